import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 of a file, streamed in 4 MiB reads (wheels are up to a GB). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * SHA256SUMS at the bundle's root in `sha256sum` format ("<hex>  ./<path>"), every file but itself, sorted, so
 * `sha256sum -c SHA256SUMS` on the target checks the lot. Symlinks are refused: the bundle has none, and a link
 * would let a checked name point at an unchecked file.
 */
export function writeSha256Sums(dir: string): number {
  const lines: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (entry.isSymbolicLink()) throw new Error(`The bundle must not contain symlinks: ${rel}`);
    if (!entry.isFile() || rel === 'SHA256SUMS') continue;
    lines.push(`${sha256File(full)}  ./${rel.split(path.sep).join('/')}`);
  }
  lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), lines.join('\n') + '\n');
  return lines.length;
}
