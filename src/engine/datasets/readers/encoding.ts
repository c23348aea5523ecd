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

const PROBE_BYTES = 64 * 1024;

/**
 * Why a file without a byte-order mark is not text Lathe can read, from its first 64 KB, or null: a binary file,
 * UTF-16 saved without its mark, or bytes that are not UTF-8 (often Latin-1 or Windows-1252). Said before anything
 * about fields or rows, because "does not recognise the fields (none)" sends the user the wrong way.
 */
export function textProblem(path: string, encoding: TextEncoding): { message: string; wholeFile: boolean } | null {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return null;
  const fd = fs.openSync(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(PROBE_BYTES);
    head = buf.subarray(0, fs.readSync(fd, buf, 0, PROBE_BYTES, bomLength(encoding)));
  } finally {
    fs.closeSync(fd);
  }
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) (i % 2 ? oddZeros++ : evenZeros++);
  if (evenZeros + oddZeros > 0) {
    const half = head.length / 2;
    const endian = oddZeros > half * 0.3 && evenZeros < oddZeros / 20 ? 'little' : evenZeros > half * 0.3 && oddZeros < evenZeros / 20 ? 'big' : null;
    if (endian) return { message: `looks like UTF-16 (${endian}-endian) text saved without a byte-order mark; save it as UTF-8 (or as UTF-16 with a BOM)`, wholeFile: true };
    return { message: 'is a binary file (it holds NUL bytes), not text', wholeFile: true };
  }
  const bad = firstInvalidUtf8(head);
  if (bad !== null) {
    // Only the rows holding such bytes are bad; the caller decides whether the rest can still be read.
    return { message: `is not valid UTF-8 (the first bad byte, 0x${head[bad]!.toString(16).padStart(2, '0')}, is at byte ${bad + bomLength(encoding)}); it may be Latin-1 or Windows-1252 text: save it as UTF-8`, wholeFile: false };
  }
  return null;
}

/** Offset of the first byte that breaks UTF-8, ignoring a sequence cut off by the end of the buffer. */
function firstInvalidUtf8(b: Buffer): number | null {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const need = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (i + need >= b.length) {
      for (let k = 1; i + k < b.length; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
      return b.length === PROBE_BYTES ? null : i; // cut by the probe's end, or a truncated last character
    }
    for (let k = 1; k <= need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return null;
}
