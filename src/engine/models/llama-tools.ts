import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { cacheDir } from '../paths.js';
import { llamaSource } from './llama-source.js';

/** Paths of the llama.cpp command-line tools Lathe builds from the bundled source. */
export interface LlamaTools {
  quantize: string;
  bench: string;
  dir: string;
}

export interface EnsureLlamaToolsOptions {
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const COMPLETE = '.complete';
const TARGETS = ['llama-quantize', 'llama-bench'];
/**
 * A build that makes progress is waited for however long it takes (≈8 min on 2 cores, longer on a busy machine);
 * one that has printed nothing for this long is reported as stuck. Tests that may build size their hooks with
 * LLAMA_TOOLS_HOOK_TIMEOUT_MS so the two agree.
 */
export const LOCK_STALL_MS = 10 * 60_000;
/** The longest a first build (or a wait for another process's build) may take in a test hook. */
export const LLAMA_TOOLS_HOOK_TIMEOUT_MS = 45 * 60_000;
const WAIT_REPORT_MS = 30_000;

/**
 * llama-quantize (k-quants) and llama-bench, built once with cmake from the exact llama.cpp source node-llama-cpp
 * ships, cached under <cache>/llama-tools/<source sha16>/. CPU only and not tuned to this CPU
 * (GGML_NATIVE=OFF) so a cache copied to another machine still runs; static so the binaries need no libllama.
 * A lock folder keeps two processes from building at once; `.complete` is written last so an interrupted build
 * is redone, never used.
 */
export async function ensureLlamaTools(opts: EnsureLlamaToolsOptions = {}): Promise<LlamaTools> {
  const prebuilt = prebuiltLlamaTools(opts.env);
  if (prebuilt) return prebuilt;
  const source = llamaSource(opts.env);
  const root = path.join(cacheDir(opts.env), 'llama-tools', source.identity.slice(0, 16));
  const tools = toolPaths(root);
  if (isComplete(root, tools)) return tools;
  fs.mkdirSync(root, { recursive: true });
  const lock = path.join(root, '.lock');
  await acquireLock(lock, opts);
  try {
    if (isComplete(root, tools)) return tools;
    // Every line the build prints marks the lock as alive, so a process waiting on it can tell slow from stuck.
    const heartbeat = path.join(lock, 'progress');
    const onLog = (line: string) => {
      touch(heartbeat);
      opts.onLog?.(line);
    };
    opts.onLog?.('Building llama-quantize and llama-bench from the bundled llama.cpp source (once per llama.cpp version; about 8 minutes on 2 cores)');
    await build(source.dir, root, { ...opts, onLog });
    fs.mkdirSync(tools.dir, { recursive: true });
    for (const target of TARGETS) {
      const built = findBinary(path.join(root, 'build'), target);
      fs.copyFileSync(built, path.join(tools.dir, exe(target)));
      fs.chmodSync(path.join(tools.dir, exe(target)), 0o755);
    }
    fs.writeFileSync(path.join(root, COMPLETE), `${source.identity}\n`);
    // The object files are ~200 MB and only needed to rebuild; the binaries are self-contained.
    fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });
    return tools;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The cached tools, or null when they have not been built yet (never starts a build). */
export function cachedLlamaTools(env: NodeJS.ProcessEnv = process.env): LlamaTools | null {
  const prebuilt = prebuiltLlamaTools(env);
  if (prebuilt) return prebuilt;
  const root = path.join(cacheDir(env), 'llama-tools', llamaSource(env).identity.slice(0, 16));
  const tools = toolPaths(root);
  return isComplete(root, tools) ? tools : null;
}

/**
 * Tools built elsewhere (the offline bundle ships them in llama-tools/bin, so the target needs no cmake or
 * compiler): LATHE_LLAMA_TOOLS_DIR names the folder holding bin/. Set but incomplete is an error, never a build.
 */
export function prebuiltLlamaTools(env: NodeJS.ProcessEnv = process.env): LlamaTools | null {
  if (!env.LATHE_LLAMA_TOOLS_DIR) return null;
  const tools = toolPaths(path.resolve(env.LATHE_LLAMA_TOOLS_DIR));
  const missing = [tools.quantize, tools.bench].filter((file) => !fs.existsSync(file));
  if (missing.length) {
    throw new LatheError('MODEL_MISSING', `LATHE_LLAMA_TOOLS_DIR is ${env.LATHE_LLAMA_TOOLS_DIR}, but ${missing.map((f) => path.basename(f)).join(' and ')} is not in its bin/ folder.`,
      'Reinstall Lathe from its bundle (install.sh checks every file), or unset LATHE_LLAMA_TOOLS_DIR to build the tools from source (needs cmake and a C++ compiler).');
  }
  return tools;
}

function toolPaths(root: string): LlamaTools {
  const dir = path.join(root, 'bin');
  return { dir, quantize: path.join(dir, exe('llama-quantize')), bench: path.join(dir, exe('llama-bench')) };
}

function isComplete(root: string, tools: LlamaTools): boolean {
  return fs.existsSync(path.join(root, COMPLETE)) && fs.existsSync(tools.quantize) && fs.existsSync(tools.bench);
}

function exe(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

async function build(sourceDir: string, root: string, opts: EnsureLlamaToolsOptions): Promise<void> {
  const buildDir = path.join(root, 'build');
  const generator = hasCommand('ninja') ? ['-G', 'Ninja'] : [];
  await run('cmake', [
    '-S', sourceDir, '-B', buildDir, ...generator,
    '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=OFF', '-DLLAMA_CURL=OFF',
    '-DLLAMA_OPENSSL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_SERVER=OFF',
    '-DLLAMA_BUILD_APP=OFF', '-DLLAMA_BUILD_UI=OFF', '-DGGML_OPENMP=OFF',
  ], opts);
  const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));
  await run('cmake', ['--build', buildDir, '--config', 'Release', '-j', jobs, '--target', ...TARGETS], opts);
}

function run(cmd: string, args: string[], opts: EnsureLlamaToolsOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        opts.onLog?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) =>
      reject(new LatheError('MODEL_MISSING', `Could not run ${cmd}: ${err.message}`, 'Install cmake and a C++ compiler (build-essential), then try again.')),
    );
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new LatheError('CANCELLED', 'The llama.cpp tool build was cancelled.', 'Start it again when you are ready.'));
      if (code === 0) return resolve();
      reject(new LatheError('INTERNAL', `Building llama.cpp tools failed (${cmd} exited with ${code}): ${tail.slice(-5).join(' | ')}`,
        'Check that cmake and a C++17 compiler are installed; delete the llama-tools cache folder and try again.'));
    });
  });
}

function findBinary(buildDir: string, target: string): string {
  for (const candidate of [path.join(buildDir, 'bin', exe(target)), path.join(buildDir, 'bin', 'Release', exe(target))]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new LatheError('INTERNAL', `The llama.cpp build finished but ${target} is missing in ${buildDir}.`, 'Delete the llama-tools cache folder and try again.');
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, name)));
}

/**
 * A lock folder holding the owner's pid and a heartbeat file the build touches on every line it prints. A lock
 * whose owner is gone is stale and taken over; a live owner is waited for, with a line every 30 s saying whose
 * build it is and how long it has run, until it prints nothing for LOCK_STALL_MS.
 */
export async function acquireLock(lock: string, opts: EnsureLlamaToolsOptions & { stallMs?: number } = {}): Promise<void> {
  const started = Date.now();
  let reported = 0;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      touch(path.join(lock, 'progress'));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
    if (owner && !alive(owner)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (opts.signal?.aborted) throw new LatheError('CANCELLED', 'Cancelled while waiting for the llama.cpp tool build.', 'Start it again when you are ready.');
    const lastProgress = mtimeMs(path.join(lock, 'progress')) ?? mtimeMs(lock) ?? started;
    const quietFor = Date.now() - Math.max(lastProgress, started);
    if (quietFor > (opts.stallMs ?? LOCK_STALL_MS)) {
      throw new LatheError('INTERNAL', `Another process (pid ${owner || 'unknown'}) is building the llama.cpp tools but has printed nothing for ${Math.round(quietFor / 60_000)} minutes (${lock}).`,
        `If that process is stuck, stop it (kill ${owner || 'PID'}) or delete ${lock}, then try again.`);
    }
    if (Date.now() - reported >= WAIT_REPORT_MS) {
      reported = Date.now();
      opts.onLog?.(`Waiting for process ${owner || '?'}, which is building llama-quantize and llama-bench (${Math.round((Date.now() - started) / 1000)} s so far; last output ${Math.round(quietFor / 1000)} s ago)`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    try {
      fs.writeFileSync(file, '');
    } catch {
      // the lock folder went away (build finished); nothing to mark
    }
  }
}

function mtimeMs(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
