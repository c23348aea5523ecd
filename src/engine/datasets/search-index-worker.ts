/**
 * Catches the search index up with committed imports (search_backlog), batch by batch, on its own SQLite
 * connection off the engine's main loop. Messages out: progress { remaining, total }, done, failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../shared/contract/errors.js';
import { openWorkerConnection } from '../db/connection.js';
import { searchBacklogQueries } from '../db/queries/search-backlog.js';

/** About 0.1 s of work: short enough that a review or an import commit waiting for the write lock hardly notices. */
const BATCH = 20_000;

const { dbPath } = workerData as { dbPath: string };
const port = parentPort!;
const db = openWorkerConnection(dbPath);
try {
  const backlog = searchBacklogQueries(db);
  let total = backlog.pending();
  while (backlog.indexBatch(BATCH)) {
    const remaining = backlog.pending();
    total = Math.max(total, remaining); // an import that committed meanwhile adds to the work
    port.postMessage({ type: 'progress', remaining, total });
  }
  port.postMessage({ type: 'done' });
} catch (err) {
  port.postMessage({ type: 'failed', error: toErrorData(err) });
} finally {
  db.close();
}
