import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { LatheError } from '../../shared/contract/errors.js';
import type { TrainerLine } from '../../shared/training/trainer-events.js';
import { resourcesDir } from '../paths.js';
import { readTrainerLines } from './trainer-line.js';
import { findPythonEnv, pythonSetupHint } from './python-env.js';

/** One line of the trainer's protocol, checked (shared/training/trainer-events.ts). */
export type TrainerEvent = TrainerLine;

/** What `runTrainerCommand` resolves with: the `done` line with its payload's fields at the top level. */
export type TrainerResult = TrainerLine & Record<string, unknown>;

export interface TrainerCommandOptions {
  dataDir?: string | undefined;
  onEvent?: ((event: TrainerEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The module run with `python -m` (default `lathe_trainer`; the export tools are `lathe_trainer.export`). */
  module?: string | undefined;
  /** What messages call it ("the export"), and a path under lathe_trainer/ that must exist before it starts. */
  name?: string | undefined;
  requires?: string | undefined;
}

const STDERR_TAIL_LINES = 40;

/**
 * Runs a one-shot trainer command (`python -m lathe_trainer <args>`, or `opts.module`) to completion with the
 * trainer's Python, offline, and resolves with the `done` event's payload at the top level. Stdout is parsed as
 * protocol lines; a line that is not one is a breach, acted on never and named in the error if the command fails.
 * An `error` line becomes a LatheError with the command's own message and hint; abort sends SIGTERM (the command
 * cleans up and exits).
 */
export async function runTrainerCommand(args: string[], opts: TrainerCommandOptions = {}): Promise<TrainerResult> {
  const { python } = findPythonEnv(opts.dataDir);
  const name = opts.name ?? 'trainer';
  const child = spawnTrainer(args, opts);
  const stderrTail: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  let done: TrainerResult | null = null;
  let failure: Extract<TrainerLine, { type: 'error' }> | null = null;
  const breaches: string[] = [];
  readTrainerLines(child.stdout, (event) => {
    // `done` carries its result in `payload`; callers get the payload's fields at the top level.
    if (event.type === 'done') done = { ...event, ...event.payload };
    if (event.type === 'error') failure = event;
    opts.onEvent?.(event);
  }, (breach) => breaches.push(breach));
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new LatheError('PYTHON_MISSING', `Could not start ${python}: ${err.message}`, pythonSetupHint())),
    );
    child.on('close', (code) => resolve(code));
  }).finally(() => opts.signal?.removeEventListener('abort', onAbort));

  if (opts.signal?.aborted) throw new LatheError('CANCELLED', `The ${name} was cancelled; nothing was stored.`, 'Start it again when you are ready.');
  const fail = failure as Extract<TrainerLine, { type: 'error' }> | null;
  if (fail) {
    throw new LatheError('TRAINER_FAILED', fail.message || `The ${name} failed.`, fail.hint || tailHint(stderrTail));
  }
  if (exitCode !== 0 || !done) {
    const detail = breaches.length ? ` It printed a line outside the protocol (${breaches[0]}).` : '';
    throw new LatheError('TRAINER_FAILED', `The ${name} exited with code ${exitCode} without finishing.${detail}`, tailHint(stderrTail));
  }
  return done;
}

/** The trainer package's folder (resources/trainer), checked to hold `lathe_trainer/<requires>`. */
export function trainerDirHolding(requires: string, what = 'trainer package'): string {
  const trainerDir = path.join(resourcesDir(), 'trainer');
  if (!fs.existsSync(path.join(trainerDir, 'lathe_trainer', requires))) {
    throw new LatheError('TRAINER_FAILED', `The ${what} is missing from ${trainerDir}.`, 'Reinstall Lathe; in a source checkout, restore resources/trainer with git.');
  }
  return trainerDir;
}

/**
 * The environment of every Python process Lathe starts from its trainer package: the package on the path, offline
 * (no hub look-ups), unbuffered lines, and LATHE_PARENT_PID so it stops when this process dies (parent_watch.py).
 */
export function trainerProcessEnv(trainerDir: string, extra: NodeJS.ProcessEnv = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...extra, PYTHONPATH: trainerDir, PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', LATHE_PARENT_PID: String(process.pid) };
}

/** Starts `python -m lathe_trainer ...` (or `opts.module`) from the project's Python env, offline, stdout piped for JSON lines. */
export function spawnTrainer(args: string[], opts: { dataDir?: string | undefined; env?: NodeJS.ProcessEnv | undefined; detached?: boolean; module?: string | undefined; name?: string | undefined; requires?: string | undefined } = {}): ChildProcessByStdio<null, Readable, Readable> {
  const { python } = findPythonEnv(opts.dataDir);
  const trainerDir = trainerDirHolding(opts.requires ?? '', opts.name ? `trainer's ${opts.name} command` : undefined);
  return spawn(python, ['-m', opts.module ?? 'lathe_trainer', ...args], {
    cwd: trainerDir,
    env: trainerProcessEnv(trainerDir, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping a run reaches every process it started (see TrainerProcess).
    detached: opts.detached ?? false,
  });
}

export function tailHint(tail: string[]): string {
  const last = tail.slice(-5).join(' | ');
  return last ? `Its last log lines: ${last}` : 'Run `lathe doctor` to check the Python environment.';
}
