/**
 * Runs one import off the engine's main loop, on its own SQLite connection. Messages out: progress, done,
 * failed. Message in: cancel.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../shared/contract/errors.js';
import { runImport, type ImportParams, type ImportProgress } from './run-import.js';

const { dbPath, params } = workerData as { dbPath: string; params: ImportParams };
const port = parentPort!;
let cancelled = false;
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'cancel') cancelled = true;
});

const db = new Database(dbPath);
db.pragma('busy_timeout = 10000');
db.pragma('foreign_keys = ON');
// The commit inserts into two B-tree indexes (examples.content_hash, version_examples) in hash order; SQLite's
// default 2 MB page cache makes that disk-bound past ~100k rows. 128 MB keeps it in memory (RSS stays < 1 GB).
db.pragma('cache_size = -131072');

let lastPost = 0;
const onProgress = (p: ImportProgress) => {
  const now = Date.now();
  if (now - lastPost < 200 && p.bytes < p.totalBytes) return;
  lastPost = now;
  port.postMessage({ type: 'progress', progress: p });
};

runImport(db, params, { onProgress, isCancelled: () => cancelled })
  .then((done) => port.postMessage({ type: 'done', ...done }))
  .catch((err: unknown) => port.postMessage({ type: 'failed', error: toErrorData(err) }))
  .finally(() => {
    db.close();
    port.close();
  });
