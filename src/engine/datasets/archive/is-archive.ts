import path from 'node:path';

/** A zip of task files or documents (by name; the reader checks the bytes). Light: no zip code is loaded. */
export function isArchive(p: string): boolean {
  return path.extname(p).toLowerCase() === '.zip';
}
