import fs from 'node:fs';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

/** Reads the byte-order mark; files without one are taken as UTF-8 (and checked line by line). */
export function sniffEncoding(path: string): TextEncoding {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(3);
    const n = fs.readSync(fd, head, 0, 3, 0);
    if (n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
    if (n >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (n >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
    return 'utf-8';
  } finally {
    fs.closeSync(fd);
  }
}

export function bomLength(encoding: TextEncoding): number {
  return encoding === 'utf-8-bom' ? 3 : encoding === 'utf-8' ? 0 : 2;
}
