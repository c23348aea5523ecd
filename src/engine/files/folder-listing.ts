import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { FolderEntry, FolderEntryKind, FolderListing } from '../../shared/contract/features/files.js';
import { isInside, resolveAllowed, type AllowedRoot } from './allowed-roots.js';

/** More entries than anyone scrolls through; a folder of 100k files still answers at once. */
const MAX_ENTRIES = 1000;

/**
 * One folder's sub-folders and .gguf files, each marked as a model folder, an adapter folder, a GGUF or a plain
 * folder. Read-only: it opens folders and reads names and sizes, never file contents. A symbolic link is followed
 * only when its target is inside an allowed root too; others are left out of the listing.
 */
export function listFolder(input: string | undefined, roots: AllowedRoot[], opts: { showHidden: boolean; home: string }): FolderListing {
  const dir = resolveAllowed(input?.trim() ? input : opts.home, roots, opts.home);
  let dirents: fs.Dirent[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new LatheError('INVALID_ARGUMENTS', `${dir} is a file, not a folder.`, 'Pick the folder that holds it.');
    dirents = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof LatheError) throw err;
    throw new LatheError('FORBIDDEN', `The engine cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, 'Check the folder’s permissions, or pick another folder.');
  }
  const entries: FolderEntry[] = [];
  for (const d of dirents) {
    const hidden = d.name.startsWith('.');
    if (hidden && !opts.showHidden) continue;
    const full = path.join(dir, d.name);
    const target = d.isSymbolicLink() ? followLink(full, roots) : { isDir: d.isDirectory(), isFile: d.isFile() };
    if (!target) continue;
    if (target.isDir) entries.push({ name: d.name, path: full, kind: folderKind(full), sizeBytes: null, hidden });
    else if (target.isFile && d.name.toLowerCase().endsWith('.gguf')) entries.push({ name: d.name, path: full, kind: 'gguf', sizeBytes: sizeOf(full), hidden });
  }
  entries.sort((a, b) => Number(a.hidden) - Number(b.hidden) || a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }));
  const atRoot = roots.some((r) => r.path === dir);
  const parent = path.dirname(dir);
  return {
    path: dir,
    kind: folderKind(dir),
    parent: !atRoot && parent !== dir && roots.some((r) => isInside(r.path, parent)) ? parent : null,
    roots: roots.map((r) => ({ label: r.label, path: r.path })),
    entries: entries.slice(0, MAX_ENTRIES),
    truncated: entries.length > MAX_ENTRIES,
  };
}

/** A model folder has config.json and safetensors weights; an adapter folder adapter_config.json and its weights. */
export function folderKind(dir: string): FolderEntryKind {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 'folder';
  }
  const safetensors = names.some((n) => n.endsWith('.safetensors'));
  if (names.includes('adapter_config.json') && safetensors) return 'adapter';
  if (names.includes('config.json') && safetensors) return 'model';
  return 'folder';
}

function followLink(full: string, roots: AllowedRoot[]): { isDir: boolean; isFile: boolean } | null {
  try {
    const real = fs.realpathSync(full);
    if (!roots.some((r) => isInside(r.path, real))) return null;
    const st = fs.statSync(real);
    return { isDir: st.isDirectory(), isFile: st.isFile() };
  } catch {
    return null; // a dangling link
  }
}

function sizeOf(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}
