import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { cacheDir, projectRoot } from '../paths.js';

const CONVERTER = 'convert_hf_to_gguf.py';
const COMPLETE_MARKER = '.lathe-clone-complete';

/**
 * The llama.cpp source node-llama-cpp was built from (its `llama/gitRelease.bundle`), cloned once into the cache
 * keyed by the bundle's sha256 — the same folder the trainer's gguf_convert.py uses, so the converters, gguf-py
 * and the runtime that loads their output are always one version.
 */
export interface LlamaSource {
  dir: string;
  /** sha256 of the bundle (or of the folder's converter when LATHE_LLAMA_CPP_BUNDLE names a folder). */
  identity: string;
}

let cached: LlamaSource | null = null;

export function llamaSource(env: NodeJS.ProcessEnv = process.env): LlamaSource {
  if (cached) return cached;
  const candidate = path.resolve(
    env.LATHE_LLAMA_CPP_BUNDLE ?? path.join(projectRoot(), 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle'),
  );
  if (fs.existsSync(path.join(candidate, CONVERTER))) {
    cached = { dir: candidate, identity: sha256FileSync(path.join(candidate, CONVERTER)) };
    return cached;
  }
  if (!fs.existsSync(candidate)) {
    throw new LatheError(
      'MODEL_MISSING',
      `No llama.cpp source found at ${candidate}.`,
      'Install node-llama-cpp 3.21.1 (npm ci) so its llama/gitRelease.bundle is present, or set LATHE_LLAMA_CPP_BUNDLE.',
    );
  }
  const identity = sha256FileSync(candidate);
  const dir = path.join(cacheDir(env), 'llama.cpp', identity.slice(0, 16));
  if (!fs.existsSync(path.join(dir, COMPLETE_MARKER))) cloneBundle(candidate, dir, identity);
  cached = { dir, identity };
  return cached;
}

function cloneBundle(bundle: string, dir: string, identity: string): void {
  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const result = spawnSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, staging], { encoding: 'utf8' });
  if (result.status !== 0 || !fs.existsSync(path.join(staging, CONVERTER))) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new LatheError(
      'MODEL_MISSING',
      `Could not unpack llama.cpp from ${bundle}: ${(result.stderr || result.error?.message || '').trim().slice(-300)}`,
      'Install git, or reinstall node-llama-cpp (npm ci) so its bundle is intact, then try again.',
    );
  }
  fs.writeFileSync(path.join(staging, COMPLETE_MARKER), `${identity}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another process finished the same clone first; use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, COMPLETE_MARKER))) throw err;
  }
}

function sha256FileSync(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
