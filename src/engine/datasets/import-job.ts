import { Worker } from 'node:worker_threads';
import { LatheError, type LatheErrorData } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import type { ImportResult } from '../../shared/contract/features/datasets.js';
import { workerEntry } from '../ts-entry.js';
import { startReaderThread, usesReaderThread } from './import-rows-pipeline.js';
import type { ImportParams, ImportProgress } from './run-import.js';

export interface ImportJob {
  done: Promise<{ result: ImportResult; audit: AuditEntry }>;
  cancel(): void;
}

type WorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; result: ImportResult; audit: AuditEntry }
  | { type: 'failed'; error: LatheErrorData };

/** Starts an import in a worker thread; a worker that dies without answering is reported, never hangs. */
export function startImportJob(dbPath: string, params: ImportParams, onProgress: (p: ImportProgress) => void): ImportJob {
  // Big task files: a reader thread parses while the import worker stages; both start now, side by side.
  const reader = usesReaderThread(params) ? startReaderThread(params) : null;
  const entry = workerEntry(import.meta.url, './import-worker.js', { dbPath, params, ...(reader ? { readerPort: reader.port } : {}) });
  // A larger young generation: each parsed row's objects die young, but the default 16 MB semi-space lets the
  // staging buffer get promoted and collected again by the old-generation GC (about 15% of import CPU).
  const worker = new Worker(entry.file, { workerData: entry.workerData, transferList: reader ? [reader.port] : [], resourceLimits: { maxYoungGenerationSizeMb: 96 } });
  reader?.worker.on('error', (err) => worker.postMessage({ type: 'reader-failed', message: err.message }));
  const done = new Promise<{ result: ImportResult; audit: AuditEntry }>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') {
        settled = true;
        resolve({ result: m.result, audit: m.audit });
      } else {
        settled = true;
        reject(LatheError.from(m.error));
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(new LatheError('INTERNAL', `The import worker failed: ${err.message}`, 'Nothing was written. Try again; if it repeats, report it with `lathe doctor` output.'));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new LatheError('INTERNAL', `The import worker stopped (code ${code}) before finishing.`, 'Nothing was written. Try the import again.'));
    });
  });
  // The reader has nothing left to do once the import ended, whichever way.
  void done.catch(() => {}).finally(() => reader?.worker.terminate());
  return { done, cancel: () => worker.postMessage({ type: 'cancel' }) };
}
