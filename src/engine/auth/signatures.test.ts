import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { exportQueries } from '../db/queries/exports.js';
import { registerGguf } from '../playground/playground-kit.js';
import { gatherReleaseReport } from '../reports/report-data.js';
import { renderReleaseHtml } from '../reports/report-html.js';
import type { BrowserServer } from '../server/browser-server.js';
import { clientFor, cookieOf, PASSWORD, startTeam } from '../server/team.test-support.js';

/**
 * Signed release decisions in team mode (real server, real SQLite, real llama.cpp evals on the tiny GGUF): the approver
 * re-enters the password; a missing or wrong one records nothing (the wrong one audited); the signature names the
 * user, time, meaning and the record's sha256, and stops verifying when the decision is edited or the signature is
 * moved to another decision.
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const QA = [['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.']];

describe('electronic signatures on releases', () => {
  it('asks the approver for the password, binds name, time, meaning and record hash, and detects an edited or moved signature', async () => {
    const team = await startTeam({ alice: 'approver', tina: 'trainer' });
    server = team.server;
    const engine = server.engine;
    // Set-up as the local operator (no session): two candidates with a finished eval each, a gate they pass.
    const first = registerGguf(engine, inject('tinyGguf'), 'grid model A');
    const second = registerGguf(engine, inject('tinyGguf'), 'grid model B');
    const file = path.join(team.dataDir, 'qa.jsonl'); // inside the data folder: team mode confines client paths
    fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    for (const m of [first, second]) await engine.call('evals.start', { modelId: m.id, datasetVersionId: versionId, split: 'all', maxTokens: 4 });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    const target = (m: { id: string }) => ({ candidate: { modelId: m.id, adapterIds: [] }, baseline: { modelId: first.id, adapterIds: [] }, meaning: 'Approved for release' as const });

    const alice = await clientFor(server.port, await cookieOf(server.port, 'alice'));
    const tina = await clientFor(server.port, await cookieOf(server.port, 'tina'));
    try {
      // A trainer may not release; an approver must sign with her own password.
      await expect(tina.client.send('gate.release', { ...target(first), password: PASSWORD })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(alice.client.send('gate.release', target(first))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/needs your password, alice/) });
      await expect(alice.client.send('gate.release', { ...target(first), password: 'tina’s password perhaps' })).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/nothing was signed/) });
      expect((await engine.call('gate.get', {})).releases).toEqual([]);
      const failed = await engine.call('audit.list', { actionPrefix: 'auth.signature_failed', limit: 10 });
      expect(failed.entries.map((e) => e.actor)).toEqual(['alice']);

      const { release } = await alice.client.send('gate.release', { ...target(first), reviewer: 'Somebody Else', password: PASSWORD });
      expect(release.reviewer).toBe('alice'); // the session's user, whatever name is sent
      expect(release.signatures).toEqual([{ userId: expect.any(Number), name: 'alice', meaning: 'Approved for release', signedAt: expect.stringMatching(/Z$/), recordSha256: expect.stringMatching(/^[0-9a-f]{64}$/), valid: true }]);
      const signed = await engine.call('audit.list', { actionPrefix: 'signature', limit: 10 });
      expect(signed.entries).toEqual([expect.objectContaining({ actor: 'alice', objectType: 'release', objectId: release.id, details: expect.objectContaining({ printedName: 'alice', meaning: 'Approved for release', recordSha256: release.signatures[0]!.recordSha256 }) })]);
      expect(JSON.stringify(signed.entries)).not.toContain(PASSWORD);

      // The release report shows it, in the HTML and the PDF's source data alike.
      const report = gatherReleaseReport(engine.ctx.db!, release.id);
      expect(renderReleaseHtml(report)).toMatch(/Signature<\/th><td>alice \(user #\d+\), \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, &quot;Approved for release&quot;, decision sha256 [0-9a-f]{64} - verified/);

      // The lineage's release node carries it too.
      const signedFact = async (id: string) => (await engine.call('lineage.get', { kind: 'release', id })).nodes.find((n) => n.kind === 'release' && n.id === id)!.facts.filter((f) => f.label === 'Signed').map((f) => f.value);
      expect(await signedFact(release.id)).toEqual([expect.stringMatching(/^alice · \d{4}-\d\d-\d\d \d\d:\d\d UTC · “Approved for release” · verified$/)]);

      const { release: later } = await alice.client.send('gate.release', { ...target(second), password: PASSWORD });
      expect(later.signatures.map((s) => s.valid)).toEqual([true]);

      // A release of an exported file: RELEASE.json beside it carries the signature (who, when, meaning, record hash).
      const folder = path.join(team.dataDir, 'exports', 'grid');
      fs.mkdirSync(folder, { recursive: true });
      const gguf = path.join(folder, 'grid-Q8_0.gguf');
      fs.copyFileSync(inject('tinyGguf'), gguf);
      const now = new Date().toISOString();
      exportQueries(engine.ctx.db!).insert({ id: 'exp-grid', name: 'grid', model_id: first.id, base_model_id: null, run_id: null, path: folder, formats: '["gguf-q8_0"]', status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: now, finished_at: null, created_by: 'test', owner_pid: process.pid, owner_boot: null, owner_start: null });
      exportQueries(engine.ctx.db!).finish('exp-grid', 'draft', [{ export_id: 'exp-grid', path: 'grid-Q8_0.gguf', format: 'gguf', quant: 'Q8_0', sha256: createHash('sha256').update(fs.readFileSync(gguf)).digest('hex'), bytes: fs.statSync(gguf).size }], null, {}, null);
      const shipped = (await engine.call('models.import', { path: gguf, name: 'grid · Q8_0' })).model;
      await engine.call('evals.start', { modelId: shipped.id, datasetVersionId: versionId, split: 'all', maxTokens: 4 });
      const { release: onFile } = await alice.client.send('gate.release', { artefact: { exportId: 'exp-grid' }, baseline: { modelId: first.id, adapterIds: [] }, meaning: 'Approved for a limited pilot', password: PASSWORD });
      const note = JSON.parse(fs.readFileSync(path.join(folder, 'RELEASE.json'), 'utf8')) as { releaseId: string; signatures: unknown[] };
      expect(note.releaseId).toBe(onFile.id);
      expect(note.signatures).toEqual([{ userId: onFile.signatures[0]!.userId, name: 'alice', meaning: 'Approved for a limited pilot', signedAt: onFile.signatures[0]!.signedAt, recordSha256: onFile.signatures[0]!.recordSha256 }]);

      // Tampering behind the engine's back: an edited decision, and a signature copied onto another decision.
      const db = new Database(path.join(team.dataDir, 'lathe.db'));
      try {
        // Someone with the database file can drop the append-only triggers; the signature still gives it away.
        for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'releases'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
        db.prepare("UPDATE releases SET reason = 'edited afterwards' WHERE id = ?").run(release.id);
        db.prepare(
          `INSERT INTO signatures SELECT 'copied', record_type, ?, record_sha256, user_id, printed_name, meaning, signed_at, binding_sha256 FROM signatures WHERE record_id = ?`,
        ).run(later.id, release.id);
      } finally {
        db.close();
      }
      const after = (await engine.call('gate.get', {})).releases;
      expect(after.find((r) => r.id === release.id)!.signatures.map((s) => s.valid)).toEqual([false]);
      expect(after.find((r) => r.id === later.id)!.signatures.map((s) => s.valid).sort()).toEqual([false, true]);
      expect(await signedFact(release.id)).toEqual([expect.stringMatching(/ · does not verify$/)]);
    } finally {
      alice.ws.close();
      tina.ws.close();
    }
  }, 120_000);
});
