import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { LatheError } from '../../shared/contract/errors.js';
import { openDatabase } from './connection.js';
import { currentVersion, migrate } from './migrate.js';
import { migrations, type Migration } from './migrations/index.js';

const tableNames = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

describe('numbered migrations', () => {
  it('brings a new database to the latest version with WAL and foreign keys on', () => {
    const { db } = openDatabase(tempDir());
    expect(currentVersion(db)).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tableNames(db)).toEqual(expect.arrayContaining(['app_meta', 'audit_log']));
    db.close();
  });

  it('migration 001 creates STRICT tables and the append-only triggers', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 1));
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name='audit_log'").get() as { sql: string }).sql;
    expect(sql).toMatch(/STRICT/);
    expect(() => db.prepare("INSERT INTO audit_log VALUES (1,'t','a','x','o',NULL,'{}','p',X'01')").run()).toThrow(/cannot store BLOB/i);
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type='trigger'").all();
    expect(triggers).toHaveLength(2);
  });

  it('is atomic: a failing migration leaves the previous version and none of its tables', () => {
    const dir = tempDir();
    openDatabase(dir).db.close();
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'half-done step',
      up(db) {
        db.exec('CREATE TABLE should_not_survive (id INTEGER PRIMARY KEY) STRICT');
        db.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    let caught: unknown;
    try {
      openDatabase(dir, { migrations: [...migrations, broken] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LatheError);
    expect((caught as LatheError).code).toBe('MIGRATION_FAILED');
    expect((caught as LatheError).message).toMatch(new RegExp(`half-done step.*unchanged at schema ${migrations.length}`));
    const db = new Database(path.join(dir, 'lathe.db'));
    expect(currentVersion(db)).toBe(migrations.length);
    expect(tableNames(db)).not.toContain('should_not_survive');
    db.close();
  });

  it('refuses a database from a newer Lathe without touching it', () => {
    const dir = tempDir();
    const { db } = openDatabase(dir);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openDatabase(dir)).toThrow(/newer Lathe \(schema 99/);
  });

  it('rejects an out-of-order migration list', () => {
    const db = new Database(':memory:');
    const bad: Migration[] = [{ ...migrations[0]!, version: 2 }];
    expect(() => migrate(db, bad)).toThrow(/out of order/);
  });
});
