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
