import fs from 'node:fs';
import path from 'node:path';

/** Free bytes on the volume holding `dir` (its nearest existing parent), or null when the OS will not say. */
export function freeDiskBytes(dir: string): number | null {
  let probe = dir;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    const s = fs.statfsSync(probe);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** True when a file can be created and removed in `dir`. */
export function isWritableDir(dir: string): boolean {
  return writeProbe(dir) === 'ok';
}

/** Whether a file can be written in `dir`, and if not why: the disk is full, or it is not permitted. The probe
 * file is removed whatever happened (a write that fails half-way still leaves a file behind). */
export function writeProbe(dir: string): 'ok' | 'full' | 'denied' {
  const probe = path.join(dir, `.lathe-write-test-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(probe, 'ok');
    return 'ok';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'full' : 'denied';
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}
