import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../paths.js';
import { runTrainerCommand, type TrainerEvent } from '../training/trainer-command.js';

export interface TinyModel {
  dir: string;
  hfDir: string;
  ggufPath: string;
  cached: boolean;
  manifest: Record<string, unknown>;
}

export interface TinyModelOptions {
  seed?: number;
  steps?: number;
  outDir?: string;
  onEvent?: (event: TrainerEvent) => void;
  signal?: AbortSignal;
}

/**
 * The tiny Llama that tests, the demo and benchmarks use: built by the trainer from the corpus the project
 * ships, cached by content (the trainer reuses a folder whose manifest key matches).
 */
export async function ensureTinyModel(opts: TinyModelOptions = {}): Promise<TinyModel> {
  const seed = opts.seed ?? 0;
  const shipped = shippedDemoModel(seed, opts);
  if (shipped) return shipped;
  const dir = opts.outDir ?? path.join(cacheDir(), 'tiny-model', `seed-${seed}${opts.steps ? `-steps-${opts.steps}` : ''}`);
  const args = ['make-tiny-model', '--out', dir, '--seed', String(seed)];
  if (opts.steps) args.push('--steps', String(opts.steps));
  const done = await runTrainerCommand(args, { onEvent: opts.onEvent, signal: opts.signal });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return {
    dir,
    hfDir: path.join(dir, 'hf'),
    ggufPath: path.join(dir, 'tiny.gguf'),
    cached: Boolean(done.cached),
    manifest,
  };
}

/**
 * The offline bundle ships the seed-0 tiny model it was built with (demo-model/; bin/lathe sets
 * LATHE_DEMO_MODEL_DIR), so `lathe demo` on an air-gapped machine starts training at once instead of pre-training
 * its base for minutes. Only the default model is taken from there; anything else is built as usual.
 */
function shippedDemoModel(seed: number, opts: TinyModelOptions, env: NodeJS.ProcessEnv = process.env): TinyModel | null {
  const dir = env.LATHE_DEMO_MODEL_DIR;
  if (!dir || seed !== 0 || opts.steps || opts.outDir) return null;
  const manifestFile = path.join(dir, 'manifest.json');
  if (![manifestFile, path.join(dir, 'hf', 'config.json'), path.join(dir, 'tiny.gguf')].every((f) => fs.existsSync(f))) return null;
  opts.onEvent?.({ v: 1, type: 'progress', stage: 'cache', fraction: 1, message: `Using the demo base model shipped with this bundle (${dir}).` });
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  return { dir, hfDir: path.join(dir, 'hf'), ggufPath: path.join(dir, 'tiny.gguf'), cached: true, manifest };
}
