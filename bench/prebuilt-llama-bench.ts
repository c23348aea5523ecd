/**
 * llama-bench compiled from the llama.cpp source node-llama-cpp ships and linked against node-llama-cpp's own
 * prebuilt libraries (libllama, libggml, and the libggml-cpu-<variant>.so that ggml picks for this CPU): the
 * like-with-like reference for our host, with no Node involved. Built once (one file, ~10 s) under
 * <cache>/llama-tools/<source sha16>/prebuilt-linked/. Linux x64 only; null elsewhere or when g++ is missing.
 *
 * ggml picks the CPU variant from the executable's folder and the working directory, so it must run with
 * `cwd` set to the prebuilt bins folder (from anywhere else it fails with "CPU backend is not loaded").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cacheDir } from '../src/engine/paths.js';
import { llamaSource } from '../src/engine/models/llama-source.js';

export interface PrebuiltLlamaBench {
  bin: string;
  /** The prebuilt bins folder: the working directory llama-bench must run in. */
  cwd: string;
}

export function prebuiltLlamaBench(): PrebuiltLlamaBench | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  let bins: string;
  try {
    bins = path.join(path.dirname(createRequire(import.meta.url).resolve('@node-llama-cpp/linux-x64')), '..', 'bins', 'linux-x64');
  } catch {
    return null;
  }
  if (!fs.existsSync(path.join(bins, 'libllama-common.so'))) return null;
  const source = llamaSource();
  const out = path.join(cacheDir(), 'llama-tools', source.identity.slice(0, 16), 'prebuilt-linked');
  const bin = path.join(out, 'llama-bench');
  if (fs.existsSync(bin)) return { bin, cwd: bins };
  fs.mkdirSync(out, { recursive: true });
  const s = source.dir;
  const lib = (re: RegExp) => fs.readdirSync(bins).find((f) => re.test(f));
  const libllama = lib(/^libllama\.v[\d.]+\.so$/);
  const libggml = lib(/^libggml\.v[\d.]+\.so$/);
  if (!libllama || !libggml) return null;
  try {
    execFileSync('g++', [
      '-O2', '-std=c++17', `-I${s}/include`, `-I${s}/ggml/include`, `-I${s}/common`, `-I${s}/vendor`,
      `${s}/tools/llama-bench/llama-bench.cpp`, `${s}/tools/llama-bench/main.cpp`, '-o', `${bin}.tmp`,
      `-L${bins}`, '-l:libllama-common.so', `-l:${libllama}`, `-l:${libggml}`, '-l:libggml-base.so', `-Wl,-rpath,${bins}`,
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    return null;
  }
  fs.renameSync(`${bin}.tmp`, bin);
  return { bin, cwd: bins };
}
