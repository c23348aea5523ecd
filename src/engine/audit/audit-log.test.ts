import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { openDatabase } from '../db/connection.js';
import { AuditLog } from './audit-log.js';
import { GENESIS_HASH } from './audit-hash.js';

const run = promisify(execFile);

function logWithEntries(n: number) {
  const dir = tempDir();
  const { db } = openDatabase(dir);
  const log = new AuditLog(db);
  for (let i = 1; i <= n; i++) log.append({ actor: 'ana', action: `dataset.import`, objectType: 'dataset', objectId: `d${i}`, details: { rows: i, b: 1, a: 2 } });
  return { dir, db, log };
}

describe('hash-chained audit log', () => {
  it('chains each entry to the previous one', () => {
    const { db, log } = logWithEntries(3);
    const { entries, total } = log.list(10, undefined);
    expect(total).toBe(3);
    expect(entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(entries[2]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[2]!.hash);
    expect(entries[0]!.details).toEqual({ a: 2, b: 1, rows: 3 });
    expect(log.verify()).toEqual({ ok: true, checked: 3, firstBroken: null });
    db.close();
  });

  it('refuses UPDATE and DELETE through triggers', () => {
    const { db } = logWithEntries(2);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
    db.close();
  });

  it('filters by action prefix, pages by sequence, and treats LIKE wildcards literally', () => {
    const { db, log } = logWithEntries(4);
    log.append({ actor: 'ana', action: 'run_x.start', objectType: 'run' });
    expect(log.list(10, undefined, 'run').total).toBe(1);
    expect(log.list(10, undefined, 'run%').total).toBe(0);
    expect(log.list(2, 4, 'dataset.').entries.map((e) => e.seq)).toEqual([3, 2]);
    db.close();
  });

  it('names the row a person edited by hand (triggers dropped), in the service and the CLI', async () => {
    const { dir, db } = logWithEntries(5);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare(`UPDATE audit_log SET details = '{"rows":999}' WHERE seq = 3`).run();
    const result = new AuditLog(db).verify();
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(2);
    expect(result.firstBroken).toMatchObject({ seq: 3, action: 'dataset.import' });
    expect(result.firstBroken!.reason).toMatch(/changed after it was written/);
    db.close();

    const cli = path.resolve('src/cli/main.ts');
    const out = await run(process.execPath, ['--import', 'tsx', cli, 'audit', 'verify', '--data-dir', dir]).catch((e: { code: number; stdout: string }) => e);
    expect((out as { code?: number }).code).toBe(1);
    expect((out as { stdout: string }).stdout).toMatch(/BROKEN at entry #3 .*dataset\.import/);
  });

  it('notices a deleted entry and a replaced one', () => {
    const { db } = logWithEntries(4);
    db.exec('DROP TRIGGER audit_log_no_delete');
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(new AuditLog(db).verify().firstBroken).toMatchObject({ seq: 3, reason: expect.stringMatching(/removed/) });
    db.close();
  });

  it('keeps sequence numbers unique across two connections to one file', () => {
    const { dir, db, log } = logWithEntries(1);
    const other = new AuditLog(new Database(path.join(dir, 'lathe.db')));
    for (let i = 0; i < 5; i++) {
      log.append({ actor: 'a', action: 'x', objectType: 'o' });
      other.append({ actor: 'b', action: 'y', objectType: 'o' });
    }
    expect(log.verify()).toMatchObject({ ok: true, checked: 11 });
    db.close();
  });
});
