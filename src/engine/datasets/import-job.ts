import { Worker } from 'node:worker_threads';
import type { AuditEntry } from '../../shared/contract/index.js';
import type { ImportResult } from '../../shared/contract/features/datasets.js';
import { workerEntry } from '../ts-entry.js';
import { workerOutcome } from '../worker-outcome.js';
import { startReaderThread, usesReaderThread } from './import-rows-pipeline.js';
import type { ImportParams, ImportProgress } from './run-import.js';

export interface ImportJob {
  done: Promise<{ result: ImportResult; audit: AuditEntry }>;
  cancel(): void;
}

/** Starts an import in a worker thread; a worker that dies without answering is reported, never hangs. */
export function startImportJob(dbPath: string, params: ImportParams, onProgress: (p: ImportProgress) => void): ImportJob {
  // Big task files: a reader thread parses while the import worker stages; both start now, side by side.
  const reader = usesReaderThread(params) ? startReaderThread(params) : null;
  const entry = workerEntry(import.meta.url, './import-worker.js', { dbPath, params, ...(reader ? { readerPort: reader.port } : {}) });
  // A larger young generation: each parsed row's objects die young, but the default 16 MB semi-space lets the
  // staging buffer get promoted and collected again by the old-generation GC (about 15% of import CPU).
  const worker = new Worker(entry.file, { workerData: entry.workerData, transferList: reader ? [reader.port] : [], resourceLimits: { maxYoungGenerationSizeMb: 96 } });
  reader?.worker.on('error', (err) => worker.postMessage({ type: 'reader-failed', message: err.message }));
  const done = workerOutcome<{ result: ImportResult; audit: AuditEntry }, { type: 'progress'; progress: ImportProgress }>(worker, 'import', (m) => onProgress(m.progress))
    .then(({ result, audit }) => ({ result, audit }));
  // The reader has nothing left to do once the import ended, whichever way.
  void done.catch(() => {}).finally(() => reader?.worker.terminate());
  return { done, cancel: () => worker.postMessage({ type: 'cancel' }) };
}
