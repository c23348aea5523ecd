import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { LatheError } from '../../../shared/contract/errors.js';
import { resourcesDir } from '../../paths.js';
import { findPythonEnv } from '../../training/python-env.js';

export interface TrainerPerplexity {
  tokens: number; documents: number; loss: number; ppl: number; max_seq_len: number; stride: number; precision: string; seconds: number;
  device: { kind?: string; name?: string; torch?: string };
  per_document: Array<{ index: number; tokens: number; loss: number | null; ppl: number | null }>;
  adapter_sha256: string | null;
}

/**
 * Runs `python -m lathe_trainer perplexity --config ppl.json` with the trainer's Python, offline, and returns
 * its `done` payload. Progress lines are relayed; an `error` line becomes a LatheError carrying the trainer's
 * own message and hint; abort sends SIGTERM (the trainer stops with a `cancelled` error line).
 */
export async function runPerplexityPython(configPath: string, opts: { dataDir?: string; signal?: AbortSignal; onProgress?: (fraction: number | null, message: string) => void } = {}): Promise<TrainerPerplexity> {
  const { python } = findPythonEnv(opts.dataDir);
  const trainerDir = path.join(resourcesDir(), 'trainer');
  if (!fs.existsSync(path.join(trainerDir, 'lathe_trainer', 'perplexity.py'))) {
    throw new LatheError('TRAINER_FAILED', `The trainer's perplexity command is missing from ${trainerDir}.`, 'Reinstall Lathe; in a source checkout, restore resources/trainer with git.');
  }
  const child = spawn(python, ['-m', 'lathe_trainer', 'perplexity', '--config', configPath], {
    cwd: trainerDir,
    env: { ...process.env, PYTHONPATH: trainerDir, PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => {
    tail.push(l);
    if (tail.length > 20) tail.shift();
  });
  let done: TrainerPerplexity | null = null;
  let failure: { message?: string; hint?: string; code?: string } | null = null;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // stdout is JSON lines only; anything else is ignored rather than trusted
    }
    if (ev.type === 'progress') opts.onProgress?.((ev.fraction as number | null) ?? null, String(ev.message ?? ''));
    if (ev.type === 'done') done = ev.payload as TrainerPerplexity;
    if (ev.type === 'error') failure = ev as typeof failure;
  });
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(new LatheError('PYTHON_MISSING', `Could not start ${python}: ${err.message}`, 'Run `npm run setup:python`.')));
    child.on('close', resolve);
  }).finally(() => opts.signal?.removeEventListener('abort', onAbort));
  if (opts.signal?.aborted) throw new LatheError('CANCELLED', 'The perplexity measurement was cancelled.', 'Start it again when you are ready; nothing was stored.');
  const f = failure as { message?: string; hint?: string } | null;
  if (f) throw new LatheError('TRAINER_FAILED', String(f.message ?? 'The trainer failed.'), String(f.hint ?? 'See the trainer log.'));
  if (code !== 0 || !done) {
    throw new LatheError('TRAINER_FAILED', `The trainer exited with code ${code}.`, `Its last log lines: ${tail.slice(-4).join(' | ') || '(none)'}`);
  }
  return done;
}
