import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where things live. The data folder comes from --data-dir, then LATHE_DATA_DIR, then the OS user-data
 * folder (the same place the desktop app uses, so CLI, browser mode and app share one library).
 */
export function resolveDataDir(flag?: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.LATHE_DATA_DIR) return path.resolve(env.LATHE_DATA_DIR);
  return path.join(userDataDir(env), 'data');
}

function userDataDir(env: NodeJS.ProcessEnv): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lathe');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lathe');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Lathe');
}

/** Rebuildable things (tiny model, llama.cpp clone): safe to delete. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LATHE_CACHE_DIR) return path.resolve(env.LATHE_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lathe');
}

/** The project root in development: the folder holding package.json above this file. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'resources'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** resources/ shipped beside the app (packaged: LATHE_RESOURCES_DIR from Electron main). */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LATHE_RESOURCES_DIR ? path.resolve(env.LATHE_RESOURCES_DIR) : path.join(projectRoot(), 'resources');
}

/**
 * `~` and `~/…` (also `~\…`) as the engine's user's home folder. Paths reach the engine as typed text (a hint that
 * says `~/.cache/lathe`, a path pasted from a terminal) and no shell expands them on the way; `~other` stays as is.
 */
export function expandHome(input: string, home: string = os.homedir()): string {
  const p = input.trim();
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return input;
}
