/**
 * The reading half of a pipelined import (produceRows) in its own thread: parsing, normalising and hashing run
 * here while the import worker stages earlier batches in SQLite. The engine starts both threads at once and
 * joins them with a MessageChannel (`port`). Out on the port: rows, progress, done, failed. In: ack (one per
 * rows message, at most IN_FLIGHT unanswered).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { toErrorData } from '../../shared/contract/errors.js';
import { produceRows } from './import-rows.js';
import type { ImportParams } from './run-import.js';

/** Batches on their way or waiting to be staged: enough to keep both threads busy, few enough to bound memory. */
const IN_FLIGHT = 8;

const { params, port } = workerData as { params: ImportParams; port: MessagePort };
let credits = IN_FLIGHT;
let resume: (() => void) | null = null;
port.on('message', (m: { type?: string }) => {
  if (m?.type !== 'ack') return;
  credits += 1;
  resume?.();
  resume = null;
});

// A cancel reaches the import worker, which stops listening and the engine ends this thread.
produceRows(params, async (batch) => {
  credits -= 1;
  port.postMessage({ type: 'rows', batch });
  if (credits <= 0) await new Promise<void>((r) => (resume = r));
}, { onProgress: (progress) => port.postMessage({ type: 'progress', progress }) })
  .then((summary) => port.postMessage({ type: 'done', summary }))
  .catch((err: unknown) => port.postMessage({ type: 'failed', error: toErrorData(err) }))
  .finally(() => port.close());
