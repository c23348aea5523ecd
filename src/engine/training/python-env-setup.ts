import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { LatheError, isErrorData } from '../../shared/contract/errors.js';
import type { TrainerEnvState } from '../../shared/contract/features/doctor.js';
import { bundledWheelhouse, venvPython } from './python-env.js';
import { trainerDirHolding, trainerProcessEnv } from './trainer-command.js';

/**
 * The installed desktop app's trainer environment: the installers carry the offline bundle's wheelhouse
 * (forge.config.ts), and on first start — or after an update brings a new lock file — the engine makes
 * `<data>/python-env` from it with `lathe_trainer.env_setup` (pip --no-index --require-hashes, the same code the
 * bundle's install.sh runs), as a job with progress. Nothing is fetched; a failure keeps the environment that worked.
 */

export const DATA_ENV_FOLDER = 'python-env';
const STAMP = '.lathe-lock';
const LOCKS = ['requirements.lock', 'requirements-gpu.lock'] as const;

export function dataPythonEnv(dataDir: string): string {
  return path.join(dataDir, DATA_ENV_FOLDER);
}

/**
 * Where the data folder's environment stands against the bundled wheels: ready (its stamp names a lock the
 * wheelhouse has, byte for byte), stale (made from other wheels: an update), missing, or no wheelhouse at all.
 */
export function trainerEnvState(dataDir: string, env: NodeJS.ProcessEnv = process.env): TrainerEnvState {
  const wheelhouse = bundledWheelhouse(env);
  const dest = dataPythonEnv(dataDir);
  const base = { wheelhouse, envDir: dest, pythons: wheelhouse ? wheelPythons(wheelhouse) : [] };
  if (!wheelhouse) return { ...base, state: 'no-wheelhouse' };
  if (!fs.existsSync(venvPython(dest))) return { ...base, state: 'missing' };
  let stamp: string;
  try {
    stamp = fs.readFileSync(path.join(dest, STAMP), 'utf8').trim();
  } catch {
    return { ...base, state: 'stale' }; // made by hand, or a setup that never finished
  }
  const [, lockHash] = stamp.split(' ');
  const current = LOCKS.map((name) => path.join(wheelhouse, name)).filter((f) => fs.existsSync(f)).map(sha256File);
  return { ...base, state: lockHash && current.includes(lockHash) ? 'ready' : 'stale' };
}

/** The CPython versions the wheelhouse's version-specific wheels are for, e.g. ["3.11", "3.12"] (as env_setup reads them). */
export function wheelPythons(wheelhouse: string): string[] {
  const found = new Set<string>();
  for (const name of fs.readdirSync(wheelhouse)) {
    const m = /-cp(\d)(\d+)-/.exec(name);
    if (name.endsWith('.whl') && m) found.add(`${m[1]}.${m[2]}`);
  }
  return [...found].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

/**
 * A Python on this machine the wheels fit: LATHE_SETUP_PYTHON when set, else the newest python3.X on PATH whose
 * version the wheelhouse has wheels for (any python3 when its wheels are all version-independent).
 */
export function systemPythonFor(pythons: readonly string[], env: NodeJS.ProcessEnv = process.env): { python: string; version: string } {
  const candidates = env.LATHE_SETUP_PYTHON ? [env.LATHE_SETUP_PYTHON] : ['python3.13', 'python3.12', 'python3.11', 'python3.10', 'python3'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', env, timeout: 20_000 });
    const version = probe.status === 0 ? probe.stdout.trim() : '';
    if (version && (pythons.length === 0 || pythons.includes(version))) return { python: candidate, version };
  }
  const wanted = pythons.length ? `CPython ${pythons.join(' or ')}` : 'Python 3.10 or newer';
  throw new LatheError('PYTHON_MISSING', `No Python that Lathe's bundled wheels fit was found on this machine (they need ${wanted}).`,
    `Install ${pythons.length ? `python${pythons[pythons.length - 1]}` : 'python3'} with its venv module from your OS packages (Debian/Ubuntu: python3-venv), ` +
    'or set LATHE_SETUP_PYTHON to one, then choose "Set up" in Doctor.');
}

export interface SetupOptions {
  dataDir: string;
  wheelhouse: string;
  gpuExtra?: 'auto' | 'yes' | 'no';
  force?: boolean;
  report: (fraction: number | null, message: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface SetupResult {
  changed: boolean;
  message: string;
  python: string;
  pythonVersion: string;
  packages: number;
}

/** Runs `python -m lathe_trainer.env_setup --json` with a system Python and follows its lines. */
export async function setupPythonEnv(opts: SetupOptions): Promise<SetupResult> {
  const env = opts.env ?? process.env;
  const { python } = systemPythonFor(wheelPythons(opts.wheelhouse), env);
  const trainerDir = trainerDirHolding('env_setup.py', "trainer's environment setup");
  const child = spawn(python, ['-s', '-B', '-m', 'lathe_trainer.env_setup', '--wheelhouse', opts.wheelhouse, '--dest', dataPythonEnv(opts.dataDir),
    '--gpu-extra', opts.gpuExtra ?? 'auto', '--json', ...(opts.force ? ['--force'] : [])], {
    cwd: trainerDir,
    env: trainerProcessEnv(trainerDir, {}, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => void (stderr.push(line), stderr.length > 20 && stderr.shift()));
  let done: SetupResult | null = null;
  let failure: LatheError | null = null;
  readline.createInterface({ input: child.stdout }).on('line', (raw) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return; // not ours (a package printing on import): the result lines decide
    }
    if (line.event === 'progress') opts.report(typeof line.fraction === 'number' ? line.fraction : null, String(line.message ?? ''));
    if (line.event === 'done') done = line as unknown as SetupResult;
    if (line.event === 'error') {
      failure = isErrorData(line) ? new LatheError(line.code, line.message, line.hint) : new LatheError('PYTHON_MISSING', String(line.message), String(line.hint ?? ''));
    }
  });
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(new LatheError('PYTHON_MISSING', `Could not start ${python}: ${err.message}`, 'Install Python 3 with its venv module from your OS packages.')));
    child.on('close', resolve);
  }).finally(() => opts.signal?.removeEventListener('abort', onAbort));
  if (opts.signal?.aborted) throw new LatheError('CANCELLED', 'Setting up the trainer\'s environment was cancelled; the previous one (if any) is kept.', 'Start it again from Doctor.');
  if (failure) throw failure;
  if (code !== 0 || !done) {
    throw new LatheError('PYTHON_MISSING', `Setting up the trainer's environment ended with code ${code} before finishing.`,
      stderr.length ? `Its last lines: ${stderr.slice(-4).join(' | ')}` : 'Run `lathe doctor` and report what it says.');
  }
  return done;
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
