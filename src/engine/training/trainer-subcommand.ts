import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { LatheError } from '../../shared/contract/errors.js';
import { findPythonEnv, pythonSetupHint } from './python-env.js';
import { trainerDirHolding, trainerProcessEnv } from './trainer-command.js';
import { readTrainerLines } from './trainer-line.js';

export interface SubcommandOptions {
  dataDir?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((fraction: number | null, message: string) => void) | undefined;
}

/**
 * Runs a one-shot trainer command (`python -m <module> …`: export merge/compare-logits, perplexity) with the
 * trainer's Python, offline, and returns its `done` payload. Progress lines are relayed; an `error` line becomes a
 * LatheError with the command's own message and hint; abort sends SIGTERM (the command cleans up and exits).
 * `what` names the command in messages ("The export …"); `requires` is a path under lathe_trainer/ that must exist.
 */
export async function runTrainerSubcommand(module: string, args: string[], what: { name: string; requires: string }, opts: SubcommandOptions = {}): Promise<Record<string, unknown>> {
  const { python } = findPythonEnv(opts.dataDir);
  const trainerDir = trainerDirHolding(what.requires, `trainer's ${what.name} command`);
  const child = spawn(python, ['-m', module, ...args], { cwd: trainerDir, env: trainerProcessEnv(trainerDir), stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => {
    tail.push(l);
    if (tail.length > 20) tail.shift();
  });
  let done: Record<string, unknown> | null = null;
  let failure: { message: string; hint: string } | null = null;
  const breaches: string[] = [];
  // A breach is acted on never, and named in the error if the command then fails.
  readTrainerLines(child.stdout, (ev) => {
    if (ev.type === 'progress') opts.onProgress?.(ev.fraction, ev.message);
    if (ev.type === 'done') done = ev.payload;
    if (ev.type === 'error') failure = ev;
  }, (breach) => breaches.push(breach));
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(new LatheError('PYTHON_MISSING', `Could not start ${python}: ${err.message}`, pythonSetupHint())));
    child.on('close', resolve);
  }).finally(() => opts.signal?.removeEventListener('abort', onAbort));
  if (opts.signal?.aborted) throw new LatheError('CANCELLED', `The ${what.name} was cancelled.`, 'Start it again when you are ready; nothing was stored.');
  const f = failure as { message: string; hint: string } | null;
  if (f) throw new LatheError('TRAINER_FAILED', f.message || `The ${what.name} failed.`, f.hint || 'See the trainer log.');
  if (code !== 0 || !done) {
    const breach = breaches.length ? ` It printed a line outside the protocol (${breaches[0]}).` : '';
    throw new LatheError('TRAINER_FAILED', `The ${what.name} exited with code ${code}.${breach}`, `Its last log lines: ${tail.slice(-4).join(' | ') || '(none)'}`);
  }
  return done;
}
