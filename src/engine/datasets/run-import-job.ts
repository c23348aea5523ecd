import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ImportResult } from '../../shared/contract/features/datasets.js';
import type { EngineContext } from '../context.js';
import { startImportJob } from './import-job.js';
import type { ImportParams } from './run-import.js';

/** Runs one import in a worker, relaying progress (rows, MB/s, ETA) as job.progress and the audit entry on success. */
export async function runImportJob(ctx: EngineContext, requestedJobId: string | undefined, params: ImportParams): Promise<ImportResult> {
  const jobId = requestedJobId ?? randomUUID();
  const label = `Import ${path.basename(params.path)} → ${params.datasetName}`;
  const started = Date.now();
  const job = startImportJob(ctx.dbPath, params, (p) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytes / seconds : 0;
    const eta = rate > 0 ? Math.max(0, (p.totalBytes - p.bytes) / rate) : null;
    ctx.events.emit('job.progress', {
      jobId,
      kind: 'dataset.import',
      label,
      fraction: p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : null,
      message: `${p.rows.toLocaleString('en')} rows${p.rejected ? `, ${p.rejected} rejected` : ''} · ${(rate / 1048576).toFixed(1)} MB/s${eta !== null ? ` · ${Math.ceil(eta)} s left` : ''}`,
      state: 'running',
    });
  });
  const untrack = ctx.jobs.add(jobId, job);
  try {
    const { result, audit } = await job.done;
    ctx.searchIndex.kick();
    ctx.events.emit('audit.appended', audit);
    ctx.events.emit('job.progress', { jobId, kind: 'dataset.import', label, fraction: 1, message: `${result.rowsImported} examples imported as version ${result.versionNumber}`, state: 'done' });
    return result;
  } catch (err) {
    const cancelled = (err as { code?: string }).code === 'CANCELLED';
    ctx.events.emit('job.progress', { jobId, kind: 'dataset.import', label, fraction: null, message: (err as Error).message, state: cancelled ? 'cancelled' : 'failed' });
    throw err;
  } finally {
    untrack();
  }
}
