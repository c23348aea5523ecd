import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { openDatabase } from './connection.js';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A real database with some audit rows, then damaged the way disks and careless copies damage files. */
function corruptedDataDir(): { dir: string; file: string } {
  const dir = tempDir();
  const { db } = openDatabase(dir);
  for (let i = 0; i < 200; i++) db.prepare("INSERT INTO app_meta VALUES (?, ?)").run(`k${i}`, 'x'.repeat(200));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
  const file = path.join(dir, 'lathe.db');
  const bytes = fs.readFileSync(file);
  // Overwrite the middle of page 2 onward: the header stays valid, the b-tree does not.
  bytes.fill(0xa5, 4096 + 16, 4096 * 3);
  fs.writeFileSync(file, bytes);
  return { dir, file };
}

describe('start-up integrity check', () => {
  it('detects a corrupted database and writes nothing to it', async () => {
    const { dir, file } = corruptedDataDir();
    const before = sha(file);
    expect(() => openDatabase(dir)).toThrow(/failed its integrity check.*has not written/);
    const engine = Engine.open({ dataDir: dir, mode: 'test' });
    const info = await engine.call('app.info', {});
    expect(info.dbWritable).toBe(false);
    expect(info.dbProblem).toMatch(/integrity/);
    await expect(engine.call('audit.list', {})).rejects.toMatchObject({ code: 'DB_CORRUPT' });
    await engine.dispose();
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('reports a file that is not a database at all', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'lathe.db');
    fs.writeFileSync(file, 'this is a text file someone renamed'.repeat(200));
    const before = sha(file);
    expect(() => openDatabase(dir)).toThrow(/integrity check|not a database/);
    expect(sha(file)).toBe(before);
  });
});

describe('upgrading: backup before migrating', () => {
  it('copies an older database whole before migrating it, and takes no copy when nothing migrates', async () => {
    const { migrations } = await import('./migrations/index.js');
    const dir = tempDir();
    const older = openDatabase(dir, { migrations: migrations.slice(0, 5) });
    older.db.prepare('INSERT INTO app_meta VALUES (?, ?)').run('kept', 'before the upgrade');
    expect(older.backup).toBeNull();
    older.db.close();

    const upgraded = openDatabase(dir);
    expect(upgraded.migration.from).toBe(5);
    expect(upgraded.backup).toMatch(/backups[\\/]lathe-schema-5-.*\.db$/);
    upgraded.db.close();
    const Database = (await import('better-sqlite3')).default;
    const copy = new Database(upgraded.backup!, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(5);
    expect(copy.prepare("SELECT value FROM app_meta WHERE key = 'kept'").get()).toEqual({ value: 'before the upgrade' });
    copy.close();

    const again = openDatabase(dir);
    expect(again.backup).toBeNull();
    again.db.close();
    expect(fs.readdirSync(path.join(dir, 'backups'))).toHaveLength(1);
  });

  it('refuses to migrate when the backup cannot be written, leaving the database at its old schema', async () => {
    const { migrations } = await import('./migrations/index.js');
    const dir = tempDir();
    openDatabase(dir, { migrations: migrations.slice(0, 5) }).db.close();
    fs.writeFileSync(path.join(dir, 'backups'), 'a file where the backups folder should be');
    expect(() => openDatabase(dir)).toThrow(/could not back it up first.*Nothing was changed/);
    const reopened = openDatabase(dir, { migrations: migrations.slice(0, 5) });
    expect(reopened.migration.from).toBe(5);
    reopened.db.close();
  });
});
