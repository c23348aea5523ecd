import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { isInside, type AllowedRoot } from '../files/allowed-roots.js';
import { expandHome } from '../paths.js';

/**
 * The folders a browser/team-mode client may name: the data folder always, plus each `--allow-dir` (real paths).
 * A folder that does not exist is an error at start-up, not a silently smaller list.
 */
export function fileAccessRoots(dataDir: string, allowDirs: readonly string[], home: string = os.homedir()): AllowedRoot[] {
  const roots: AllowedRoot[] = [];
  for (const [label, dir] of [['Lathe data', dataDir] as const, ...allowDirs.map((d) => [path.basename(d) || d, d] as const)]) {
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(expandHome(dir, home)));
    } catch {
      throw new LatheError('NOT_FOUND', `The allowed folder ${dir} does not exist.`, 'Create it, or correct the --allow-dir value.');
    }
    if (!fs.statSync(real).isDirectory()) throw new LatheError('INVALID_ARGUMENTS', `--allow-dir ${dir} is a file, not a folder.`, 'Give the folder that holds it.');
    if (!roots.some((r) => r.path === real)) roots.push({ label, path: real });
  }
  return roots;
}

/**
 * A client-supplied path made real and checked: `~` expanded, then resolved by the file system itself (symbolic links
 * and `..` in the order the OS follows them, so `allowed/link/../x` goes where the OS would go). A path that does not
 * exist yet (an export's output file) is resolved up to its deepest existing folder, and the rest may not contain `.`
 * or `..`. Outside every root → FORBIDDEN_PATH. Returns the real path, which the handler then uses.
 */
export function resolveClientPath(input: string, roots: readonly AllowedRoot[], what: string, home: string = os.homedir()): string {
  const expanded = expandHome(input, home);
  if (!path.isAbsolute(expanded)) {
    throw new LatheError('INVALID_ARGUMENTS', `${what}: "${input}" is not an absolute path.`, 'Give a full path that starts with / (or ~ for the home folder).');
  }
  const real = realOrParent(expanded);
  if (real === null || !roots.some((r) => isInside(r.path, real))) {
    const where = real && real !== path.resolve(expanded) ? ` (it leads to ${real})` : '';
    throw new LatheError(
      'FORBIDDEN_PATH',
      `${what}: ${input} is outside the folders this server lets clients read and write${where}.`,
      `Use a path inside ${roots.map((r) => r.path).join(', ')}; the operator can allow another folder by restarting \`lathe serve\` with --allow-dir DIR.`,
    );
  }
  return real;
}

function realOrParent(p: string): string | null {
  const tail: string[] = [];
  let at = p;
  for (;;) {
    try {
      const real = fs.realpathSync(at);
      if (tail.some((s) => s === '..' || s === '.')) return null; // `missing/../..` cannot be followed by the OS either
      return path.join(real, ...tail.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
      const parent = path.dirname(at);
      if (parent === at) return null;
      const base = path.basename(at);
      if (base) tail.push(base);
      at = parent;
    }
  }
}

/** Reads the value at a dotted path of parsed arguments (`filter.tokenizerPath`); undefined when absent. */
export function argAt(args: unknown, dotted: string): unknown {
  let v: unknown = args;
  for (const k of dotted.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A copy of `args` with the value at a dotted path replaced. */
export function withArgAt<T>(args: T, dotted: string, value: unknown): T {
  const [head, ...rest] = dotted.split('.');
  const obj = { ...(args as Record<string, unknown>) };
  obj[head!] = rest.length ? withArgAt(obj[head!], rest.join('.'), value) : value;
  return obj as T;
}
