import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { projectRoot, resourcesDir } from '../paths.js';

export interface PythonEnv {
  python: string;
  source: 'LATHE_PYTHON' | 'project .venv' | 'data folder';
}

/**
 * Finds the trainer's Python: LATHE_PYTHON, then the project's .venv, then <data>/python-env. An installed app
 * whose installer carries a wheelhouse (python-env-setup.ts) looks in the data folder first: that environment is
 * the one made from its own wheels.
 */
export function findPythonEnv(dataDir?: string, env: NodeJS.ProcessEnv = process.env): PythonEnv {
  if (env.LATHE_PYTHON) {
    if (fs.existsSync(env.LATHE_PYTHON)) return { python: env.LATHE_PYTHON, source: 'LATHE_PYTHON' };
    throw missing(`LATHE_PYTHON points at ${env.LATHE_PYTHON}, which does not exist.`, env);
  }
  const candidates: Array<[string, PythonEnv['source']]> = [[path.join(projectRoot(), '.venv'), 'project .venv']];
  if (dataDir) candidates[bundledWheelhouse(env) ? 'unshift' : 'push']([path.join(dataDir, 'python-env'), 'data folder']);
  for (const [venv, source] of candidates) {
    const python = venvPython(venv);
    if (fs.existsSync(python)) return { python, source };
  }
  throw missing('No Python environment for the trainer was found.', env);
}

/** The bundled wheelhouse: LATHE_WHEELHOUSE, else `<resources>/wheelhouse` when an installer put one there. */
export function bundledWheelhouse(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.LATHE_WHEELHOUSE ? path.resolve(env.LATHE_WHEELHOUSE) : path.join(resourcesDir(env), 'wheelhouse');
  return fs.existsSync(path.join(dir, 'requirements.lock')) ? dir : null;
}

export function venvPython(venv: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
}

function missing(message: string, env: NodeJS.ProcessEnv = process.env): LatheError {
  return new LatheError('PYTHON_MISSING', message, pythonSetupHint(env));
}

/** How this install makes (or repairs) the trainer's environment: the app's own wheels, the bundle's install.sh, or npm. */
export function pythonSetupHint(env: NodeJS.ProcessEnv = process.env): string {
  if (bundledWheelhouse(env)) {
    return 'Lathe makes it from the wheels it was installed with, offline: open Doctor and choose "Set up the trainer\'s environment" ' +
      '(or "Rebuild"); it starts by itself on first start, and Jobs shows its progress.';
  }
  if (env.LATHE_BUNDLE_DIR) {
    return `Run install.sh from the Lathe bundle (${env.LATHE_BUNDLE_DIR}): it creates the trainer's environment from the bundled wheels, offline.`;
  }
  return 'Run `npm run setup:python` (creates .venv with torch, transformers and peft from your package index), ' +
    'or set LATHE_PYTHON to a Python 3.10+ that has them.';
}
