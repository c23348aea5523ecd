import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { evalQueries } from '../db/queries/evals.js';
import { exportQueries } from '../db/queries/exports.js';
import { requireDb } from '../require-db.js';
import { createExport } from './export-job.js';
import { toExportSummary } from './export-rows.js';

type ExportImpls = Pick<HandlerImpls, 'exports.create' | 'exports.list'>;

export function exportHandlers(ctx: EngineContext): ExportImpls {
  return {
    'exports.create': (args) => createExport(ctx, args),
    'exports.list': async () => {
      const q = exportQueries(requireDb(ctx).db);
      const releases = evalQueries(requireDb(ctx).db);
      return { exports: q.list().map((r) => toExportSummary(r, q.files(r.id), releases.releaseOfExport(r.id))) };
    },
  };
}
