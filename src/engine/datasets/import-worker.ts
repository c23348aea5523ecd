/**
 * Runs one import off the engine's main loop, on its own SQLite connection. Messages out: progress, done,
 * failed. Messages in: cancel, reader-failed. With `readerPort`, the rows come from a reader thread the engine
 * started beside this one (import-rows-worker); without, this thread reads the source itself.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { toErrorData } from '../../shared/contract/errors.js';
import { openWorkerConnection } from '../db/connection.js';
import { rowsFromReader } from './import-rows-pipeline.js';
import { produceRows } from './import-rows.js';
import { runImport, type ImportParams, type ImportProgress } from './run-import.js';

const { dbPath, params, readerPort } = workerData as { dbPath: string; params: ImportParams; readerPort?: MessagePort };
const port = parentPort!;
const reader = readerPort ? rowsFromReader(readerPort) : null;
let cancelled = false;
port.on('message', (m: { type?: string; message?: string }) => {
  if (m?.type === 'cancel') cancelled = true;
  else if (m?.type === 'reader-failed') reader?.readerFailed(m.message ?? 'unknown error');
});

// The commit inserts into two B-tree indexes (examples.content_hash, version_examples) in hash order; SQLite's
// default 2 MB page cache makes that disk-bound past ~100k rows. 128 MB keeps it in memory (RSS stays < 1 GB).
const db = openWorkerConnection(dbPath, { cacheMb: 128 });
// The commit adds ~100 MB of WAL per 200k rows; copying it into the database file (the checkpoint) is left to the
// search indexer's first commit right after, instead of lengthening this import.
db.pragma('wal_autocheckpoint = 0');

let lastPost = 0;
const onProgress = (p: ImportProgress) => {
  const now = Date.now();
  if (now - lastPost < 200 && p.bytes < p.totalBytes) return;
  lastPost = now;
  port.postMessage({ type: 'progress', progress: p });
};

runImport(db, params, { onProgress, isCancelled: () => cancelled }, reader?.produce ?? produceRows)
  .then((done) => port.postMessage({ type: 'done', ...done }))
  .catch((err: unknown) => port.postMessage({ type: 'failed', error: toErrorData(err) }))
  .finally(() => {
    db.close();
    port.close();
  });
