import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { auditCommand } from '../../cli/commands/audit.js';
import { openDatabase } from '../db/connection.js';
import type { AuditRow } from '../db/queries/audit.js';
import { writeAuditExport } from './audit-export.js';
import { auditEntryHash } from './audit-hash.js';
import { AuditLog, toHashed } from './audit-log.js';
import { verifyAuditExport } from './audit-verify-export.js';

const run = promisify(execFile);
const SCRIPT = path.resolve('scripts/verify-audit-export.mjs');

/** Details that stress CSV and JSON quoting: commas, quotes, newlines, unicode, a formula-looking string. */
function seeded() {
  const dir = tempDir();
  const { db } = openDatabase(dir);
  const log = new AuditLog(db);
  log.append({ actor: 'ana', action: 'dataset.import', objectType: 'dataset', objectId: 'd1', details: { file: 'a,b "c".jsonl', note: 'line1\nline2', who: 'Zoë 張' } });
  log.append({ actor: 'ben', action: 'review.accept', objectType: 'example', objectId: 'e1', details: { formula: '=SUM(A1)' } });
  log.append({ actor: 'ana', action: 'run.start', objectType: 'run', objectId: 'r1', details: { seed: 7 } });
  log.append({ actor: 'cy', action: 'gate.override', objectType: 'release', objectId: null, details: { reason: 'Reviewed by hand' } });
  log.append({ actor: 'ana', action: 'export.finish', objectType: 'export', objectId: 'x1', details: { sha256: 'ab'.repeat(32) } });
  return { dir, db, log };
}

/** Runs the dependency-free script; resolves to its exit code and output. */
async function script(file: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [SCRIPT, file]);
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

function edit(file: string, change: (doc: { entries: Array<Record<string, unknown>>; count?: number }) => void): string {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<Record<string, unknown>> };
  change(doc);
  const out = file.replace(/\.json$/, `-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(out, JSON.stringify(doc));
  return out;
}

describe('audit export (JSON, CSV) and its standalone verification', () => {
  it('filters by actor, object type, time and text, together with the action prefix', () => {
    const { db, log } = seeded();
    expect(log.list(10, undefined, { actor: 'ana' }).entries.map((e) => e.seq)).toEqual([5, 3, 1]);
    expect(log.list(10, undefined, { actor: 'ana', objectType: 'run' }).total).toBe(1);
    expect(log.list(10, undefined, { text: 'zoë' }).entries.map((e) => e.seq)).toEqual([1]);
    expect(log.list(10, undefined, { text: '50%' }).total).toBe(0); // wildcards are literal
    expect(log.list(10, undefined, { from: '2999-01-01T00:00:00Z' }).total).toBe(0);
    expect(log.list(10, undefined, { actionPrefix: 'gate.', actor: 'cy' }).entries[0]).toMatchObject({ seq: 4, objectId: null });
    expect(log.list(10, undefined, { family: 'review' }).entries.map((e) => e.action)).toEqual([]); // 'review.accept' is not 'dataset.review.*'
    log.append({ actor: 'ben', action: 'dataset.review.accept', objectType: 'example', objectId: 'v1:0' });
    log.append({ actor: 'cy', action: 'release.override', objectType: 'model', objectId: 'm1' });
    expect(log.list(10, undefined, { family: 'review' }).entries.map((e) => e.seq)).toEqual([6]);
    expect(log.list(10, undefined, { family: 'override' }).entries.map((e) => e.seq)).toEqual([7]);
    expect(log.list(10, undefined, { family: 'release' }).entries.map((e) => e.seq)).toEqual([7, 4]); // an override is a release decision too
    expect(log.list(10, undefined, { family: 'import', actor: 'ana' }).entries.map((e) => e.seq)).toEqual([1]);
    const today = new Date().toISOString().slice(0, 10);
    expect(log.list(10, undefined, { to: today }).total).toBe(7); // a bare date as the upper bound is the whole day
    expect(log.list(10, undefined, { objectId: 'm1' }).total).toBe(1);
    db.close();
  });

  it('a complete JSON export verifies in Lathe and in the plain-Node script; edits, deletions and reorders are named', async () => {
    const { dir, db } = seeded();
    const r = writeAuditExport(db, dir, 'json', {});
    db.close();
    expect(r).toMatchObject({ entries: 5, complete: true });
    expect(fs.readdirSync(path.dirname(r.path)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const text = fs.readFileSync(r.path, 'utf8');
    expect(verifyAuditExport(text, 'json')).toEqual({ ok: true, checked: 5, complete: true, gaps: 0, firstBroken: null });
    expect(await script(r.path)).toMatchObject({ code: 0, out: expect.stringMatching(/OK: 5 entries verified, an unbroken chain from #1/) });

    const edited = edit(r.path, (d) => (d.entries[2]!.actor = 'mallory'));
    expect(verifyAuditExport(fs.readFileSync(edited, 'utf8'), 'json').firstBroken).toMatchObject({ seq: 3, reason: expect.stringMatching(/changed/) });
    expect(await script(edited)).toMatchObject({ code: 1, out: expect.stringMatching(/BROKEN at entry #3/) });

    const deleted = edit(r.path, (d) => d.entries.splice(1, 1));
    expect(verifyAuditExport(fs.readFileSync(deleted, 'utf8'), 'json').firstBroken).toMatchObject({ seq: 3, reason: expect.stringMatching(/#2 is missing/) });
    expect(await script(deleted)).toMatchObject({ code: 1, out: expect.stringMatching(/BROKEN at entry #3.*removed/) });

    const lastGone = edit(r.path, (d) => d.entries.pop());
    expect(verifyAuditExport(fs.readFileSync(lastGone, 'utf8'), 'json').ok).toBe(false);
    expect((await script(lastGone)).code).toBe(1);

    const reordered = edit(r.path, (d) => d.entries.splice(2, 2, d.entries[3]!, d.entries[2]!));
    expect(verifyAuditExport(fs.readFileSync(reordered, 'utf8'), 'json').firstBroken).toMatchObject({ seq: 4, reason: expect.stringMatching(/#3 is missing/) });
    expect((await script(reordered)).code).toBe(1);
  });

  it('a CSV export round-trips quoting exactly and verifies; a changed cell is named; the CLI agrees', async () => {
    const { dir, db } = seeded();
    const r = writeAuditExport(db, dir, 'csv', {});
    db.close();
    const text = fs.readFileSync(r.path, 'utf8');
    expect(text.split('\r\n')[0]).toBe('seq,at,actor,action,object_type,object_id,details,prev_hash,hash');
    expect(verifyAuditExport(text, 'csv')).toMatchObject({ ok: true, checked: 5, complete: true });
    const tampered = path.join(dir, 'tampered.csv');
    fs.writeFileSync(tampered, text.replace('"{""seed"":7}"', '"{""seed"":8}"'));
    expect(verifyAuditExport(fs.readFileSync(tampered, 'utf8'), 'csv').firstBroken).toMatchObject({ seq: 3 });
    expect(await script(r.path)).toMatchObject({ code: 0, out: expect.stringMatching(/OK: 5 entries verified, an unbroken chain from #1/) });
    expect(await script(tampered)).toMatchObject({ code: 1, out: expect.stringMatching(/BROKEN at entry #3/) });
    // Two rows swapped: both verifiers name the entry that comes out of order.
    const lines = text.split('\r\n');
    const swapped = path.join(dir, 'swapped.csv');
    fs.writeFileSync(swapped, [lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)].join('\r\n'));
    expect(verifyAuditExport(fs.readFileSync(swapped, 'utf8'), 'csv').firstBroken).toMatchObject({ seq: 2 });
    expect(await script(swapped)).toMatchObject({ code: 1, out: expect.stringMatching(/BROKEN at entry #2/) });
    expect(await runCli(auditCommand, ['verify-export', r.path])).toMatchObject({ code: 0, out: expect.stringMatching(/Export intact: 5 entries/) });
    expect(await runCli(auditCommand, ['verify-export', tampered])).toMatchObject({ code: 1, out: expect.stringMatching(/BROKEN at entry #3/) });
  });

  it('a filtered export verifies entry by entry and says it has gaps; a file that is not an export gets a clear error', async () => {
    const { dir, db } = seeded();
    const r = writeAuditExport(db, dir, 'json', { actor: 'ana' });
    db.close();
    expect(r).toMatchObject({ entries: 3, complete: false });
    expect(verifyAuditExport(fs.readFileSync(r.path, 'utf8'), 'json')).toMatchObject({ ok: true, checked: 3, complete: false, gaps: 2 });
    expect((await script(r.path)).out).toMatch(/2 gap\(s\)/);
    expect(() => verifyAuditExport('{"hello": 1}', 'json')).toThrow(/not a Lathe audit export/);
    expect(() => verifyAuditExport('not json', 'json')).toThrow(/not valid JSON/);
    expect(() => verifyAuditExport('a,b\n1,2\n', 'csv')).toThrow(/CSV header/);
  });

  it('the CLI exports with filters and records the export in the log', async () => {
    const { dir, db } = seeded();
    db.close();
    const out = await runCli(auditCommand, ['export', '--format', 'json', '--actor', 'ana', '--data-dir', dir]);
    expect(out).toMatchObject({ code: 0, out: expect.stringMatching(/Wrote 3 entries/) });
    const { db: again } = openDatabase(dir);
    expect(new AuditLog(again).list(1, undefined).entries[0]).toMatchObject({ action: 'audit.export', details: { entries: 3, complete: false } });
    again.close();
    const reviews = await runCli(auditCommand, ['list', '--family', 'review', '--data-dir', dir]);
    expect(reviews).toMatchObject({ code: 0, out: expect.stringMatching(/0 of 0 entries/) }); // 'review.accept' is not a dataset review
    await expect(runCli(auditCommand, ['list', '--family', 'reviews', '--data-dir', dir])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: expect.stringMatching(/import, edit, review/) });
  });

  it('an earlier export is a witness too: a re-hashed rewrite or a cut-off tail fails the comparison (and the witness file)', async () => {
    const { dir, db } = seeded();
    const witness = writeAuditExport(db, dir, 'json', {}).path;
    const csvWitness = writeAuditExport(db, dir, 'csv', {}).path;
    // A careful attacker: change entry #3, then recompute every hash from #3 on so the chain holds again.
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
    db.prepare(`UPDATE audit_log SET details = '{"seed":8}' WHERE seq = 3`).run();
    let prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 2').get() as { hash: string }).hash;
    for (const row of db.prepare('SELECT * FROM audit_log WHERE seq >= 3 ORDER BY seq').all() as AuditRow[]) {
      const hash = auditEntryHash(toHashed({ ...row, prev_hash: prev }));
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, row.seq);
      prev = hash;
    }
    // The chain alone holds again; what catches it in the database is the head recorded in audit-witness.json.
    expect(new AuditLog(db).verify()).toMatchObject({ ok: false, witness: { status: 'contradicted' } });
    expect(await runCli(auditCommand, ['verify-export', witness, '--data-dir', dir])).toMatchObject({ code: 1, out: expect.stringMatching(/LOG DIFFERS from this export at entry #3: .*rewritten/) });
    expect(await runCli(auditCommand, ['verify-export', csvWitness, '--data-dir', dir])).toMatchObject({ code: 1, out: expect.stringMatching(/entry #3/) });
    // Entries cut off the end: the chain still holds, the witness names the first missing one.
    const { db: fresh, dir: dir2 } = seeded();
    const witness2 = writeAuditExport(fresh, dir2, 'json', {}).path;
    fresh.exec('DROP TRIGGER audit_log_no_delete');
    fresh.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
    expect(new AuditLog(fresh).verify()).toMatchObject({ ok: false, checked: 3, firstBroken: { reason: /removed from the end/ } });
    fresh.close();
    db.close();
    expect(await runCli(auditCommand, ['verify-export', witness2, '--data-dir', dir2])).toMatchObject({ code: 1, out: expect.stringMatching(/entry #4: the log no longer has this entry/) });
    // Nothing changed: the comparison passes.
    const { db: db3, dir: dir3 } = seeded();
    const witness3 = writeAuditExport(db3, dir3, 'json', {}).path;
    db3.close();
    expect(await runCli(auditCommand, ['verify-export', witness3, '--data-dir', dir3])).toMatchObject({ code: 0, out: expect.stringMatching(/still holds all 5 of them unchanged/) });
  });
});
