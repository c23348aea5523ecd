import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { currentVersion, migrate, type MigrationReport } from './migrate.js';
import { migrations as allMigrations, type Migration } from './migrations/index.js';

export interface OpenedDatabase {
  db: Database.Database;
  path: string;
  migration: MigrationReport;
  /** The copy taken before migrating an existing database to a newer schema; null when nothing was migrated. */
  backup: string | null;
}

export interface OpenOptions {
  /** Override the migration list (tests). */
  migrations?: readonly Migration[];
}

export const DB_FILE_NAME = 'lathe.db';

/**
 * Opens the data directory's database. The integrity check runs before anything else touches the file —
 * before WAL is switched on and before migrations — so a damaged file is reported and never written to.
 */
export function openDatabase(dataDir: string, options: OpenOptions = {}): OpenedDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DB_FILE_NAME);
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: false });
  } catch (err) {
    throw new LatheError(
      'DB_CORRUPT',
      `Could not open the database at ${file}: ${(err as Error).message}.`,
      'Check that the data folder is readable and writable, or choose another with --data-dir.',
    );
  }
  try {
    checkIntegrity(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    const list = options.migrations ?? allMigrations;
    const backup = backupBeforeMigrating(db, dataDir, list.at(-1)?.version ?? 0);
    const migration = migrate(db, list);
    return { db, path: file, migration, backup };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A newer Lathe (an upgraded install or bundle) migrates the schema on first start; before it does, the database
 * is copied whole to <data>/backups/lathe-schema-<from>-<time>.db with VACUUM INTO (a consistent copy, WAL
 * included). A failed copy (full disk) stops the start with the database untouched.
 */
function backupBeforeMigrating(db: Database.Database, dataDir: string, latest: number): string | null {
  const from = currentVersion(db);
  if (from === 0 || from >= latest) return null;
  const dir = path.join(dataDir, 'backups');
  const target = path.join(dir, `lathe-schema-${from}-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    db.prepare('VACUUM INTO ?').run(target);
  } catch (err) {
    try {
      fs.rmSync(target, { force: true }); // a partial copy
    } catch {
      // the folder itself is unusable; nothing was written
    }
    throw new LatheError('MIGRATION_FAILED',
      `This Lathe needs to update the database from schema ${from} to ${latest}, but could not back it up first to ${target}: ${(err as Error).message}. Nothing was changed.`,
      'Free disk space in the data folder (the backup is about the size of lathe.db), then start Lathe again.');
  }
  return target;
}

function checkIntegrity(db: Database.Database, file: string): void {
  let rows: string[];
  try {
    rows = db.pragma('integrity_check', { simple: false }) as unknown as string[];
    rows = (rows as unknown as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  } catch (err) {
    throw corrupt(file, (err as Error).message);
  }
  if (rows.length !== 1 || rows[0] !== 'ok') throw corrupt(file, rows.slice(0, 3).join('; '));
}

function corrupt(file: string, detail: string): LatheError {
  return new LatheError(
    'DB_CORRUPT',
    `The database at ${file} failed its integrity check (${detail}). Lathe has not written to it.`,
    'Restore the file from a backup, or move it aside and start with an empty data folder; ' +
      'exported models and datasets on disk are not affected.',
  );
}

/**
 * A worker thread's own connection to a database the engine already opened (checked, migrated, in WAL). It waits
 * up to 10 s for the write lock. `cacheMb`: a bigger page cache for steps that build big B-trees.
 */
export function openWorkerConnection(dbPath: string, options: { cacheMb?: number } = {}): Database.Database {
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  if (options.cacheMb) db.pragma(`cache_size = -${options.cacheMb * 1024}`);
  return db;
}
