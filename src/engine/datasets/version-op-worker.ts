/**
 * Runs one version step (version-ops.ts) off the engine's main loop, on its own SQLite connection.
 * Messages out: done { result } or failed { error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../shared/contract/errors.js';
import { openWorkerConnection } from '../db/connection.js';
import { TokenizerCache } from './token-count.js';
import { versionOps, type VersionOpName } from './version-ops.js';

const { dbPath, name, args } = workerData as { dbPath: string; name: VersionOpName; args: never };
const port = parentPort!;
const db = openWorkerConnection(dbPath, { cacheMb: 128 }); // derived versions build the same B-trees as an import
try {
  const tokenizers = new TokenizerCache();
  const ops = versionOps(db, (p) => (p ? tokenizers.load(p) : null));
  port.postMessage({ type: 'done', result: ops[name](args) });
} catch (err) {
  port.postMessage({ type: 'failed', error: toErrorData(err) });
} finally {
  db.close();
}
