import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { projectRoot } from '../paths.js';

export interface PythonEnv {
  python: string;
  source: 'LATHE_PYTHON' | 'project .venv' | 'data folder';
}

/** Finds the trainer's Python: LATHE_PYTHON, then the project's .venv, then <data>/python-env. */
export function findPythonEnv(dataDir?: string, env: NodeJS.ProcessEnv = process.env): PythonEnv {
  if (env.LATHE_PYTHON) {
    if (fs.existsSync(env.LATHE_PYTHON)) return { python: env.LATHE_PYTHON, source: 'LATHE_PYTHON' };
    throw missing(`LATHE_PYTHON points at ${env.LATHE_PYTHON}, which does not exist.`, env);
  }
  const candidates: Array<[string, PythonEnv['source']]> = [[path.join(projectRoot(), '.venv'), 'project .venv']];
  if (dataDir) candidates.push([path.join(dataDir, 'python-env'), 'data folder']);
  for (const [venv, source] of candidates) {
    const python = venvPython(venv);
    if (fs.existsSync(python)) return { python, source };
  }
  throw missing('No Python environment for the trainer was found.', env);
}

export function venvPython(venv: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
}

function missing(message: string, env: NodeJS.ProcessEnv = process.env): LatheError {
  if (env.LATHE_BUNDLE_DIR) {
    return new LatheError('PYTHON_MISSING', message,
      `Run install.sh from the Lathe bundle (${env.LATHE_BUNDLE_DIR}): it creates the trainer's environment from the bundled wheels, offline.`);
  }
  return new LatheError(
    'PYTHON_MISSING',
    message,
    'Run `npm run setup:python` (creates .venv with torch, transformers and peft from your package index), ' +
      'or set LATHE_PYTHON to a Python 3.10+ that has them.',
  );
}
