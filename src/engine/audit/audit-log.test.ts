import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { openDatabase } from '../db/connection.js';
import type { AuditRow } from '../db/queries/audit.js';
import { AuditLog, toHashed } from './audit-log.js';
import { WITNESS_FILE } from './audit-witness.js';
import { auditEntryHash, GENESIS_HASH } from './audit-hash.js';

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
    expect(log.verify()).toEqual({ ok: true, checked: 3, firstBroken: null, witness: { status: 'matches', seq: 3, hash: entries[0]!.hash } });
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

  it('notices entries cut off the end, and a chain re-hashed from some entry on, by the witness file', () => {
    const cut = logWithEntries(5);
    expect(cut.log.verify().witness).toMatchObject({ status: 'matches', seq: 5 });
    cut.db.exec('DROP TRIGGER audit_log_no_delete');
    cut.db.prepare('DELETE FROM audit_log WHERE seq > 3').run(); // the chain that is left is perfectly valid
    expect(cut.log.verify()).toMatchObject({ ok: false, checked: 3, witness: { status: 'contradicted', seq: 5 }, firstBroken: { seq: 4, reason: /removed from the end/ } });

    const rehashed = logWithEntries(5);
    rehashed.db.exec('DROP TRIGGER audit_log_no_update');
    let prev = (rehashed.db.prepare('SELECT hash FROM audit_log WHERE seq = 3').get() as { hash: string }).hash;
    for (const seq of [4, 5]) { // rewrite entries 4 and 5 and recompute their hashes: the chain checks out again
      const row = rehashed.db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as AuditRow;
      const forged = { ...row, details: '{"rows":0}', prev_hash: prev };
      const hash = auditEntryHash(toHashed(forged));
      rehashed.db.prepare('UPDATE audit_log SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(forged.details, prev, hash, seq);
      prev = hash;
    }
    expect(rehashed.log.verify()).toMatchObject({ ok: false, witness: { status: 'contradicted', seq: 5 }, firstBroken: { seq: 5, reason: /chain was rewritten/ } });

    // Without a witness file (removed, or a log from before it existed) verify says the tail is not anchored.
    const bare = logWithEntries(2);
    fs.rmSync(path.join(bare.dir, WITNESS_FILE));
    expect(bare.log.verify()).toMatchObject({ ok: true, witness: { status: 'missing' } });
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
