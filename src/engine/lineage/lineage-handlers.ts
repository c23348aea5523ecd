import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { walkLineage } from './lineage-walk.js';

export function lineageHandlers(ctx: EngineContext): Pick<HandlerImpls, 'lineage.get'> {
  return { 'lineage.get': async ({ kind, id, limit }) => walkLineage(requireDb(ctx).db, { kind, id }, limit) };
}
