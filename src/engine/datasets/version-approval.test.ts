import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import type { BrowserServer } from '../server/browser-server.js';
import { clientFor, cookieOf, PASSWORD, startTeam } from '../server/team.test-support.js';

/**
 * "Approve dataset version for training" (issue 15): recorded with the version's content hash, who and when, audited
 * and shown in lineage; in team mode only an approver may, with the password again, and the signature binds the
 * version's content hash — a version whose stored content hash were changed no longer verifies.
 */
let server: BrowserServer | null = null;
const engines: Engine[] = [];
afterEach(async () => {
  await server?.close();
  server = null;
  for (const e of engines.splice(0)) await e.dispose();
});

const QA = [['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.']];
function qaFile(dir: string): string {
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
  return file;
}

describe('approving a dataset version for training', () => {
  it('one user: records who, when and the content hash, audits it, and lineage shows it (nothing to sign)', async () => {
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    const { versionId } = await engine.call('datasets.import', { path: qaFile(tempDir()), datasetName: 'Grid QA' });
    const { approvals } = await engine.call('datasets.approveVersion', { versionId, note: 'Checked by the grid team' });
    const version = (await engine.call('datasets.versions', { datasetId: (await engine.call('datasets.list', {})).datasets[0]!.id })).versions[0]!;
    expect(approvals).toEqual([{ id: expect.any(String), versionId, approvedBy: engine.ctx.actor, approvedAt: expect.stringMatching(/Z$/), contentHash: version.contentHash, note: 'Checked by the grid team', current: true, signatures: [] }]);
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.version.approve', limit: 5 });
    expect(audit.entries).toEqual([expect.objectContaining({ objectId: versionId, details: expect.objectContaining({ contentHash: version.contentHash, signed: false }) })]);
    const lineage = await engine.call('lineage.get', { kind: 'version', id: versionId });
    expect(lineage.nodes.find((n) => n.kind === 'version')!.facts).toContainEqual({ label: 'Approved for training', value: expect.stringMatching(/^\S+ · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/) });
    await expect(engine.call('datasets.approveVersion', { versionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('team mode: a labeller may not, an approver signs with the password, and a changed version no longer verifies', async () => {
    const team = await startTeam({ alice: 'approver', lena: 'labeller' });
    server = team.server;
    const engine = server.engine;
    const { versionId } = await engine.call('datasets.import', { path: qaFile(team.dataDir), datasetName: 'Grid QA' });
    const alice = await clientFor(server.port, await cookieOf(server.port, 'alice'));
    const lena = await clientFor(server.port, await cookieOf(server.port, 'lena'));
    try {
      await expect(lena.client.send('datasets.approveVersion', { versionId, password: PASSWORD })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(alice.client.send('datasets.approveVersion', { versionId })).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/needs your password, alice/) });
      expect((await engine.call('datasets.approvals', { versionId })).approvals).toEqual([]);

      const { approvals } = await alice.client.send('datasets.approveVersion', { versionId, password: PASSWORD });
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ approvedBy: 'alice', current: true, signatures: [{ name: 'alice', meaning: 'Approved for training', recordSha256: approvals[0]!.contentHash, valid: true }] });
      const lineage = await engine.call('lineage.get', { kind: 'version', id: versionId });
      expect(lineage.nodes.find((n) => n.kind === 'version')!.facts).toContainEqual({ label: 'Approved for training', value: expect.stringMatching(/^alice · .* UTC · signed$/) });

      // Someone edits the stored content hash behind Lathe's back: the approval and its signature stop verifying.
      engine.ctx.db!.prepare('UPDATE dataset_versions SET content_hash = ? WHERE id = ?').run('0'.repeat(64), versionId);
      const after = (await engine.call('datasets.approvals', { versionId })).approvals[0]!;
      expect(after).toMatchObject({ current: false, signatures: [{ valid: false }] });
      const again = await engine.call('lineage.get', { kind: 'version', id: versionId });
      expect(again.nodes.find((n) => n.kind === 'version')!.facts).toContainEqual({ label: 'Approved for training', value: expect.stringMatching(/signature invalid · content changed since$/) });
      expect(() => engine.ctx.db!.prepare('DELETE FROM version_approvals').run()).toThrow(/append-only/);
    } finally {
      alice.ws.close();
      lena.ws.close();
    }
  });
});
