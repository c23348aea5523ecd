import type { Worker } from 'node:worker_threads';
import { LatheError, type LatheErrorData } from '../shared/contract/errors.js';

type Outcome<D> = ({ type: 'done' } & D) | { type: 'failed'; error: LatheErrorData };

/**
 * The answer of a one-shot worker that ends by posting `done` (with its result) or `failed` (with an error as
 * data); any other message goes to `onOther` (progress). A worker that crashes or exits without answering is an
 * error too, so a caller never hangs. `what` names it in those errors ("import", "curate").
 */
export function workerOutcome<D extends object, M extends { type: string } = never>(worker: Worker, what: string, onOther?: (m: M) => void): Promise<D> {
  return new Promise<D>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: Outcome<D> | M) => {
      if (m.type === 'done') {
        settled = true;
        resolve(m as D);
      } else if (m.type === 'failed') {
        settled = true;
        reject(LatheError.from((m as { error: LatheErrorData }).error));
      } else onOther?.(m as M);
    });
    worker.on('error', (err) => {
      settled = true;
      reject(new LatheError('INTERNAL', `The ${what} worker failed: ${err.message}`, 'Nothing was written. Try again; if it repeats, report it with `lathe doctor` output.'));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new LatheError('INTERNAL', `The ${what} worker stopped (code ${code}) before finishing.`, 'Nothing was written. Try again.'));
    });
  });
}
