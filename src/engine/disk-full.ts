import type Database from 'better-sqlite3';
import { isDiskFull, LatheError } from '../shared/contract/errors.js';
import { formatBytes, freeDiskBytes } from './hardware/disk.js';

/**
 * A full disk, said plainly: which folder's disk, how much is free, what to do — never "a bug in Lathe". SQLite
 * rolls the failed transaction back, so everything committed before is intact; the write-ahead log that grew
 * during the failed transaction is truncated right away, so the space it took is given back instead of keeping the
 * disk full.
 */
export function diskFullError(err: unknown, dataDir: string, db: Database.Database | null): unknown {
  // (An error a feature already worded for this case, e.g. the API key's, is not "disk full" here: it keeps its words.)
  if (!isDiskFull(err)) return err;
  if (db) {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // a checkpoint needs no new space, but if even it fails the next successful commit shrinks the log
    }
  }
  const free = freeDiskBytes(dataDir);
  return new LatheError(
    'DISK_FULL',
    `The disk holding ${dataDir} is full (${formatBytes(free)} free); the last operation was not saved.`,
    'Free space on that disk, or choose another data folder (--data-dir or LATHE_DATA_DIR), then try again. Everything saved before is intact.',
  );
}
