import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { Migration } from './migrations/types.js';

export interface MigrationReport {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Applies pending migrations one transaction each, bumping user_version inside the same transaction, so a
 * failing migration leaves the database exactly at the previous version.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): MigrationReport {
  assertOrdered(migrations);
  const from = currentVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new LatheError(
      'MIGRATION_FAILED',
      `This database was written by a newer Lathe (schema ${from}; this version knows up to ${latest}).`,
      'Install the newer Lathe again, or point --data-dir at another folder. Nothing was changed.',
    );
  }
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    const step = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step();
    } catch (err) {
      throw new LatheError(
        'MIGRATION_FAILED',
        `Database migration ${m.version} (${m.name}) failed: ${(err as Error).message}. ` +
          `The database is unchanged at schema ${currentVersion(db)}.`,
        'Report this with `lathe doctor` output; keep the data folder as it is so it can be recovered.',
      );
    }
    applied.push(`${m.version} ${m.name}`);
  }
  return { from, to: currentVersion(db), applied };
}

export function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order at ${m.name}: expected ${i + 1}`);
  });
}
