import { Worker } from 'node:worker_threads';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { workerEntry } from '../ts-entry.js';
import { workerOutcome } from '../worker-outcome.js';
import type { LoadedTokenizer } from './token-count.js';
import { versionOps, type VersionOpName, type VersionOps } from './version-ops.js';
import { requireVersion } from './version-writer.js';

/**
 * From this many examples a step runs in a worker: a dedup of 200k rows holds a thread for ~3.5 s (measured
 * here), so at a million rows the app would stop answering for a quarter of a minute. Smaller versions run
 * here, where they take milliseconds and a worker's start-up would cost more.
 */
export const VERSION_OP_WORKER_MIN_EXAMPLES = 50_000;

/** Runs a version step, in a worker for big versions (or `inWorker`), here otherwise; same result either way. */
export async function runVersionOp<K extends VersionOpName>(
  ctx: EngineContext,
  name: K,
  args: Parameters<VersionOps[K]>[0] & { versionId: string },
  tokenizer: (path: string | undefined) => LoadedTokenizer | null,
  options: { inWorker?: boolean } = {},
): Promise<ReturnType<VersionOps[K]>> {
  const { db } = requireDb(ctx);
  const version = requireVersion(db, args.versionId);
  const inWorker = options.inWorker ?? version.example_count >= VERSION_OP_WORKER_MIN_EXAMPLES;
  if (!inWorker) return (versionOps(db, tokenizer)[name] as (a: typeof args) => ReturnType<VersionOps[K]>)(args);
  const entry = workerEntry(import.meta.url, './version-op-worker.js', { dbPath: ctx.dbPath, name, args });
  const worker = new Worker(entry.file, { workerData: entry.workerData });
  const { result } = await workerOutcome<{ result: ReturnType<VersionOps[K]> }>(worker, name);
  return result;
}
