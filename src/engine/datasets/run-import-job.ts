import path from 'node:path';
import type { ImportResult } from '../../shared/contract/features/datasets.js';
import type { EngineContext } from '../context.js';
import { startImportJob } from './import-job.js';
import type { ImportParams } from './run-import.js';

/** Runs one import in a worker, relaying progress (rows, MB/s, ETA) to the job registry and the audit entry on success. */
export async function runImportJob(ctx: EngineContext, requestedJobId: string | undefined, params: ImportParams): Promise<ImportResult> {
  const label = `Import ${path.basename(params.path)} → ${params.datasetName}`;
  let job: ReturnType<typeof startImportJob> | null = null;
  const handle = ctx.jobs.start({ id: requestedJobId, kind: 'dataset.import', label, cancel: () => job?.cancel() });
  const started = Date.now();
  try {
    job = startImportJob(ctx.dbPath, params, (p) => {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? p.bytes / seconds : 0;
      const eta = rate > 0 ? Math.max(0, (p.totalBytes - p.bytes) / rate) : null;
      handle.report(p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : null, `${p.rows.toLocaleString('en')} rows${p.rejected ? `, ${p.rejected} rejected` : ''} · ${(rate / 1048576).toFixed(1)} MB/s${eta !== null ? ` · ${Math.ceil(eta)} s left` : ''}`);
    });
    const { result, audit } = await job.done;
    ctx.searchIndex.kick();
    ctx.events.emit('audit.appended', audit);
    handle.finish('done', `${result.rowsImported} examples imported as version ${result.versionNumber}`);
    return result;
  } catch (err) {
    const cancelled = (err as { code?: string }).code === 'CANCELLED';
    handle.finish(cancelled ? 'cancelled' : 'failed', (err as Error).message);
    throw err;
  }
}
