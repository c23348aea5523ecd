import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import type { BrowserServer } from '../server/browser-server.js';
import { clientFor, cookieOf, startTeam } from '../server/team.test-support.js';

/**
 * Shared labelling (issue 15): a version's queue split among labellers with an overlap judged twice, progress per
 * labeller, and in team mode a labeller confined to their own queue by the engine (real SQLite, real server).
 */
let server: BrowserServer | null = null;
const engines: Engine[] = [];
afterEach(async () => {
  await server?.close();
  server = null;
  for (const e of engines.splice(0)) await e.dispose();
});

function tenExamples(dir: string): string {
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, Array.from({ length: 10 }, (_, i) => JSON.stringify({ prompt: `Question ${i + 1}?`, completion: `Answer ${i + 1}.` })).join('\n') + '\n');
  return file;
}

describe('review assignments', () => {
  it('splits a queue in a seeded shuffle with an overlap share, reports progress per labeller, and is audited', async () => {
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    const { versionId } = await engine.call('datasets.import', { path: tenExamples(tempDir()), datasetName: 'qa' });
    await expect(engine.call('reviews.assign', { versionId, labellers: ['ana'], overlap: 0.2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/two labellers/) });
    await expect(engine.call('reviews.assign', { versionId, labellers: ['ana', 'ana'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });

    const a = await engine.call('reviews.assign', { versionId, labellers: ['ana', 'ben', 'cy'], overlap: 0.2, seed: 7 });
    expect(a.plan).toMatchObject({ labellers: ['ana', 'ben', 'cy'], overlap: 0.2, seed: 7 });
    expect(a.doubled).toBe(2); // 20 % of 10
    expect(a.progress.reduce((n, p) => n + p.assigned, 0)).toBe(12); // every example once, two of them twice
    expect(a.progress.map((p) => p.labeller)).toEqual(['ana', 'ben', 'cy']);
    for (const p of a.progress) expect(p.assigned).toBeGreaterThanOrEqual(3);

    // A labeller's queue, as the filter lists it; every example is in some queue.
    const queue = async (who: string) => (await engine.call('reviews.examples', { versionId, filter: { assignedTo: who }, limit: 100 })).examples.map((e) => e.position);
    const anas = await queue('ana');
    expect(anas).toHaveLength(a.progress.find((p) => p.labeller === 'ana')!.assigned);
    const all = new Set([...anas, ...(await queue('ben')), ...(await queue('cy'))]);
    expect([...all].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The same seed gives the same queues.
    const again = await engine.call('reviews.assign', { versionId, labellers: ['ana', 'ben', 'cy'], overlap: 0.2, seed: 7 });
    expect(await queue('ana')).toEqual(anas);
    expect(again.progress).toEqual(a.progress);

    for (const position of anas.slice(0, 2)) await engine.call('reviews.act', { versionId, position, action: 'accept', reviewer: 'ana' });
    expect((await engine.call('reviews.assignments', { versionId })).progress.find((p) => p.labeller === 'ana')!.judged).toBe(2);
    const audit = await engine.call('audit.list', { actionPrefix: 'reviews.assign', limit: 10 });
    expect(audit.entries).toHaveLength(2);
  });

  it('team mode: a labeller lists and judges only her own queue; a curator assigns real labellers and sees everything', async () => {
    const team = await startTeam({ cora: 'curator', lena: 'labeller', lars: 'labeller', vic: 'viewer' });
    server = team.server;
    const { versionId } = await server.engine.call('datasets.import', { path: tenExamples(team.dataDir), datasetName: 'qa' });
    const cora = await clientFor(server.port, await cookieOf(server.port, 'cora'));
    const lena = await clientFor(server.port, await cookieOf(server.port, 'lena'));
    const vic = await clientFor(server.port, await cookieOf(server.port, 'vic'));
    try {
      await expect(lena.client.send('reviews.assign', { versionId, labellers: ['lena'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(cora.client.send('reviews.assign', { versionId, labellers: ['lena', 'nobody'] })).rejects.toMatchObject({ message: expect.stringMatching(/no active user "nobody"/) });
      await expect(cora.client.send('reviews.assign', { versionId, labellers: ['lena', 'vic'] })).rejects.toMatchObject({ message: expect.stringMatching(/vic is a viewer/) });
      const split = await cora.client.send('reviews.assign', { versionId, labellers: ['lena', 'lars'], overlap: 0.5, seed: 3 });
      expect(split.doubled).toBe(5);

      const listed = await lena.client.send('reviews.examples', { versionId, limit: 100 });
      const hers = listed.examples.map((e) => e.position);
      expect(listed.total).toBe(split.progress.find((p) => p.labeller === 'lena')!.assigned);
      expect(hers.length).toBeLessThan(10);
      const other = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((p) => !hers.includes(p))!;
      await expect(lena.client.send('reviews.act', { versionId, position: other, action: 'accept' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/not in your review queue, lena/) });
      await lena.client.send('reviews.act', { versionId, position: hers[0]!, action: 'accept' });
      expect((await cora.client.send('reviews.examples', { versionId, limit: 100 })).total).toBe(10);
      expect((await cora.client.send('reviews.assignments', { versionId })).progress.find((p) => p.labeller === 'lena')!.judged).toBe(1);
      // A viewer judges nothing, so has no queue: the whole version reads as it does on the Examples tab.
      expect((await vic.client.send('reviews.examples', { versionId, limit: 100 })).total).toBe(10);
    } finally {
      cora.ws.close();
      lena.ws.close();
      vic.ws.close();
    }
  });
});

describe('adjudication', () => {
  it('a curator settles a disagreement with a reason: recorded, audited, it decides the status, and a version made from the review keeps it', async () => {
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    const { versionId } = await engine.call('datasets.import', { path: tenExamples(tempDir()), datasetName: 'qa' });
    await engine.call('reviews.act', { versionId, position: 0, action: 'accept', reviewer: 'ana' });
    await engine.call('reviews.act', { versionId, position: 0, action: 'accept', reviewer: 'ben' });
    await expect(engine.call('reviews.adjudicate', { versionId, position: 0, verdict: 'reject', reason: 'no need' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/no disagreement/) });
    await engine.call('reviews.act', { versionId, position: 1, action: 'accept', reviewer: 'ana' });
    const split = await engine.call('reviews.act', { versionId, position: 1, action: 'reject', reviewer: 'ben' });
    expect(split.state).toMatchObject({ status: 'disagreement', adjudication: null });

    const { state } = await engine.call('reviews.adjudicate', { versionId, position: 1, verdict: 'accept', reason: 'The answer matches the manual.' });
    expect(state).toMatchObject({ status: 'accepted', adjudication: { verdict: 'accept', by: engine.ctx.actor, reason: 'The answer matches the manual.' } });
    expect(state.verdicts.map((v) => `${v.reviewer} ${v.verdict}`)).toEqual(['ana accept', 'ben reject']); // the labellers' verdicts stay
    expect((await engine.call('reviews.disagreements', { versionId })).total).toBe(0);
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.review.adjudicate', limit: 5 });
    expect(audit.entries[0]!.details).toMatchObject({ position: 1, verdict: 'accept', status: 'accepted' });
    // The agreement figures still count the labellers' own verdicts: accept vs reject on #1.
    expect((await engine.call('reviews.agreement', { versionId })).pairs[0]).toMatchObject({ a: 'ana', b: 'ben', n: 2 });

    const made = await engine.call('reviews.makeVersion', { versionId });
    expect(made).toMatchObject({ kept: 2, disagreements: 0, carried: 2 });
    // The new version carries the settlement whole: both labellers' verdicts as given and who settled it, why.
    const settledThere = (await engine.call('reviews.history', { versionId: made.version.id, position: 1 })).state;
    expect(settledThere).toMatchObject({ status: 'accepted', adjudication: { verdict: 'accept', by: engine.ctx.actor, reason: 'The answer matches the manual.' } });
    expect(settledThere.verdicts.map((v) => `${v.reviewer} ${v.verdict}`)).toEqual(['ana accept', 'ben reject']);
    const agreedThere = (await engine.call('reviews.history', { versionId: made.version.id, position: 0 })).state;
    expect(agreedThere).toMatchObject({ status: 'accepted', adjudication: null });
    expect((await engine.call('reviews.disagreements', { versionId: made.version.id })).total).toBe(0);
    // Lineage names the people: who reviewed each version, and who settled its disagreements.
    const facts = async (id: string) => (await engine.call('lineage.get', { kind: 'version', id })).nodes.find((n) => n.id === id)!.facts;
    expect(await facts(versionId)).toEqual(expect.arrayContaining([{ label: 'Reviewed by', value: 'ana 2 · ben 2' }, { label: 'Disagreements settled by', value: `${engine.ctx.actor} 1` }]));
    expect(await facts(made.version.id)).toEqual(expect.arrayContaining([{ label: 'Reviewed by', value: 'ana 2 · ben 2' }, { label: 'Disagreements settled by', value: `${engine.ctx.actor} 1` }]));
    expect(() => engine.ctx.db!.prepare('DELETE FROM review_adjudications').run()).toThrow(/append-only/);
  });
});
