import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { cacheDir, expandHome } from '../paths.js';

export interface AllowedRoot {
  label: string;
  /** Real path (symbolic links resolved), so containment is checked on what the disk really holds. */
  path: string;
}

/**
 * The folders a client may browse: Lathe's data folder, the user's home, Lathe's cache (the tiny model lives
 * there; it may sit outside home through LATHE_CACHE_DIR) and the folders listed in LATHE_MODEL_ROOTS
 * (path-delimiter separated, for models kept on /models or a mounted disk). Roots that do not exist are left out.
 */
export function allowedRoots(dataDir: string, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): AllowedRoot[] {
  const wanted: AllowedRoot[] = [
    { label: 'Home', path: home },
    { label: 'Lathe data', path: dataDir },
    { label: 'Lathe cache', path: cacheDir(env) },
    ...(env.LATHE_MODEL_ROOTS ?? '')
      .split(path.delimiter)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => ({ label: path.basename(p) || p, path: expandHome(p, home) })),
  ];
  const roots: AllowedRoot[] = [];
  for (const r of wanted) {
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(r.path));
    } catch {
      continue;
    }
    if (!roots.some((x) => x.path === real)) roots.push({ label: r.label, path: real });
  }
  return roots;
}

/** True when `real` is `root` or inside it (both already real, absolute paths). */
export function isInside(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A path a client sent, made real: `~` expanded, `..` collapsed and every symbolic link resolved, then checked to
 * lie inside an allowed root. The check runs on the real path, so neither `a/../../etc` nor a link that points out
 * of a root gets past it.
 */
export function resolveAllowed(input: string, roots: AllowedRoot[], home: string = os.homedir()): string {
  const expanded = expandHome(input, home);
  if (!path.isAbsolute(expanded)) {
    throw new LatheError('INVALID_ARGUMENTS', `"${input}" is not an absolute path.`, 'Start the path with / (or ~ for the home folder), or pick a folder in the browser.');
  }
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(expanded));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw forbidden(input, roots, 'it cannot be read by the engine');
    throw new LatheError('NOT_FOUND', `There is no folder ${path.resolve(expanded)}.`, 'Pick a folder in the browser, or check the path for typos.');
  }
  if (!roots.some((r) => isInside(r.path, real))) throw forbidden(input, roots, real === path.resolve(expanded) ? 'it is outside the folders Lathe may browse' : `it leads to ${real}, outside the folders Lathe may browse`);
  return real;
}

function forbidden(input: string, roots: AllowedRoot[], why: string): LatheError {
  return new LatheError(
    'FORBIDDEN',
    `Lathe will not list ${input}: ${why}.`,
    `Browse inside ${roots.map((r) => r.path).join(', ')}; to allow another folder (say, a disk of models), add it to LATHE_MODEL_ROOTS and restart Lathe.`,
  );
}
