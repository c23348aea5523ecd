import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';

export function auditHandlers(ctx: EngineContext): Pick<HandlerImpls, 'audit.list' | 'audit.verify'> {
  return {
    'audit.list': async ({ limit, beforeSeq, actionPrefix }) => requireDb(ctx).audit.list(limit, beforeSeq, actionPrefix ?? ''),
    'audit.verify': async () => requireDb(ctx).audit.verify(),
  };
}
