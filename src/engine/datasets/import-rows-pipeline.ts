import fs from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { LatheError, type LatheErrorData } from '../../shared/contract/errors.js';
import { workerEntry } from '../ts-entry.js';
import { isArchive } from './archive/is-archive.js';
import { importCancelled, type RowBatch, type RowsSummary } from './import-rows.js';
import type { ImportHooks, ImportParams, ImportProgress, RowProducer } from './run-import.js';

type RowsMessage =
  | { type: 'rows'; batch: RowBatch }
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; summary: RowsSummary }
  | { type: 'failed'; error: LatheErrorData };

/** Below this a second thread costs more to start than it saves. */
const PIPELINE_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Whether an import reads in a thread of its own. Task files of 4 MiB and more do: parsing and hashing take
 * about as long as staging and committing, so on two cores they overlap. Documents and archives are read in
 * the import worker (chunking one file at a time is the slow part there).
 */
export function usesReaderThread(p: ImportParams): boolean {
  const mode = p.pipeline ?? 'auto';
  if (mode === 'never' || p.fileType === 'documents' || isArchive(p.path)) return false;
  if (mode === 'always') return true;
  try {
    return fs.statSync(p.path).size >= PIPELINE_MIN_BYTES;
  } catch {
    return false; // the import worker reports the missing file
  }
}

/** Starts the reader thread; `port` goes to the import worker, which consumes it with rowsFromReader. */
export function startReaderThread(p: ImportParams): { worker: Worker; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  const entry = workerEntry(import.meta.url, './import-rows-worker.js', { params: p, port: port1 });
  // A larger young generation: every parsed row's objects die young (same reason as the import worker).
  const worker = new Worker(entry.file, { workerData: entry.workerData, transferList: [port1], resourceLimits: { maxYoungGenerationSizeMb: 96 } });
  return { worker, port: port2 };
}

/**
 * The import worker's side of the pipeline: batches arrive on `port` and go to `emit` (staging), each
 * acknowledged so the reader never runs more than a few batches ahead. A reader that goes away without an
 * answer (its thread died: the port closes) is an error; so is `readerFailed`, which the engine calls with the
 * thread's own error.
 */
export function rowsFromReader(port: MessagePort): { produce: RowProducer; readerFailed: (message: string) => void } {
  let fail: ((err: Error) => void) | null = null;
  let early: Error | null = null;
  const readerFailed = (message: string) => {
    const err = new LatheError('INTERNAL', `The import reader failed: ${message}`, 'Nothing was written. Try again; if it repeats, report it with `lathe doctor` output.');
    if (fail) fail(err);
    else early = err;
  };
  const produce: RowProducer = (_p, emit, hooks: ImportHooks) =>
    new Promise<RowsSummary>((resolve, reject) => {
      if (early) {
        port.close();
        return reject(early); // the reader failed before this side began to listen
      }
      let settled = false;
      // The reader may be deep in one long batch: a cancel is noticed here within 100 ms whatever it is doing.
      const cancelPoll = setInterval(() => hooks.isCancelled?.() && settle(() => reject(importCancelled())), 100);
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(cancelPoll);
        port.removeAllListeners();
        port.close();
        fn();
      };
      fail = (err) => settle(() => reject(err));
      port.on('message', (m: RowsMessage) => {
        if (settled) return;
        if (m.type === 'rows') {
          if (hooks.isCancelled?.()) return settle(() => reject(importCancelled()));
          try {
            emit(m.batch);
          } catch (err) {
            return settle(() => reject(err));
          }
          port.postMessage({ type: 'ack' });
        } else if (m.type === 'progress') hooks.onProgress?.(m.progress);
        else if (m.type === 'done') settle(() => resolve(m.summary));
        else settle(() => reject(LatheError.from(m.error)));
      });
      port.on('close', () => settle(() => reject(new LatheError('INTERNAL', 'The import reader stopped before finishing.', 'Nothing was written. Try the import again.'))));
    });
  return { produce, readerFailed };
}
