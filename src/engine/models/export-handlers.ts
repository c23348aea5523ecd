import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { evalQueries } from '../db/queries/evals.js';
import { exportQueries } from '../db/queries/exports.js';
import { requireDb } from '../require-db.js';
import { grantExportDownload, revealExportFolder, type DownloadTickets } from './export-download.js';
import { createExport } from './export-job.js';
import { toExportSummary } from './export-rows.js';

type ExportImpls = Pick<HandlerImpls, 'exports.create' | 'exports.list' | 'exports.download' | 'exports.reveal'>;

export function exportHandlers(ctx: EngineContext, downloads: DownloadTickets): ExportImpls {
  return {
    'exports.create': (args) => createExport(ctx, args),
    'exports.list': async () => {
      const q = exportQueries(requireDb(ctx).db);
      const releases = evalQueries(requireDb(ctx).db);
      return { exports: q.list().map((r) => toExportSummary(r, q.files(r.id), releases.releaseOfExport(r.id))) };
    },
    'exports.download': async (args) => grantExportDownload(ctx, downloads, args),
    'exports.reveal': (args) => revealExportFolder(ctx, args),
  };
}
