import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../db/connection.js';
import { evalQueries } from '../db/queries/evals.js';
import { Engine } from '../engine.js';
import type { BrowserServer } from '../server/browser-server.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { clientFor, cookieOf, PASSWORD, startTeam } from '../server/team.test-support.js';

/**
 * The two-person rule of a release gate, in team mode (real server, real SQLite, real llama.cpp evals on the tiny
 * GGUF): whoever registered or trained the candidate may not release it once the rule is on; someone else may. Only an
 * admin changes the rule, and outside team mode it cannot be turned on at all.
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const QA = [['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.']];

describe('two-person rule on releases', () => {
  it('refuses a release by the candidate’s maker (audited, nothing recorded) and lets another approver release it', async () => {
    const team = await startTeam({ adam: 'admin', alice: 'approver' });
    server = team.server;
    const engine = server.engine;
    const adam = await clientFor(server.port, await cookieOf(server.port, 'adam'));
    const alice = await clientFor(server.port, await cookieOf(server.port, 'alice'));
    try {
      // adam registers the tiny model (inside the data folder: team mode confines client paths) and it is evaluated.
      const file = path.join(team.dataDir, 'grid.gguf');
      fs.copyFileSync(inject('tinyGguf'), file);
      const model = (await adam.client.send('models.import', { path: file, name: 'grid model' })).model;
      const data = path.join(team.dataDir, 'qa.jsonl');
      fs.writeFileSync(data, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
      const { versionId } = await engine.call('datasets.import', { path: data, datasetName: 'Grid QA' });
      await engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', maxTokens: 4 });
      const criteria = [{ kind: 'min-score' as const, metric: 'f1' as const, points: 0 }];
      const target = (project: string) => ({ project, candidate: { modelId: model.id, adapterIds: [] }, baseline: { modelId: model.id, adapterIds: [] }, meaning: 'Approved for release', password: PASSWORD });

      // Only an admin changes the rule; leaving it out keeps it as it is.
      await expect(alice.client.send('gate.set', { criteria, twoPersonRule: true })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/Only an admin/) });
      expect((await engine.call('gate.get', {})).twoPersonRule).toBe(false);
      expect(await adam.client.send('gate.set', { criteria, twoPersonRule: true })).toEqual({ criteria, twoPersonRule: true });
      expect(await alice.client.send('gate.set', { criteria })).toEqual({ criteria, twoPersonRule: true });

      // adam registered the candidate: refused, with the reason audited and no release recorded.
      await expect(adam.client.send('gate.release', target('default'))).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/two-person rule of project "default" is on, and adam registered it/) });
      expect((await engine.call('gate.get', {})).releases).toEqual([]);
      const refused = await engine.call('audit.list', { actionPrefix: 'release.refuse', limit: 10 });
      expect(refused.entries).toEqual([expect.objectContaining({ actor: 'adam', details: expect.objectContaining({ rule: 'two-person', makers: [{ modelId: model.id, maker: 'adam', run_id: null }] }) })]);

      // alice did not make it: she releases it, signed.
      const { release } = await alice.client.send('gate.release', target('default'));
      expect(release).toMatchObject({ reviewer: 'alice', signatures: [expect.objectContaining({ name: 'alice', valid: true })] });

      // The rule is per project: where it is off, the maker may release his own work.
      await adam.client.send('gate.set', { project: 'field-pilot', criteria });
      expect((await adam.client.send('gate.release', target('field-pilot'))).release.reviewer).toBe('adam');
      const changes = await engine.call('audit.list', { actionPrefix: 'gate.criteria.set', limit: 10 });
      expect(changes.entries.map((e) => [e.actor, e.objectId, (e.details as { twoPersonRule: boolean }).twoPersonRule])).toEqual([['adam', 'field-pilot', false], ['alice', 'default', true], ['adam', 'default', true]]);
    } finally {
      adam.ws.close();
      alice.ws.close();
    }
  }, 180_000);

  it('cannot be turned on outside team mode, where every action is the one local user’s', async () => {
    const engine = Engine.open({ dataDir: tempDir('lathe-rule-'), mode: 'test' });
    try {
      await expect(engine.call('gate.set', { criteria: [], twoPersonRule: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/needs named users/) });
      expect((await engine.call('gate.get', {})).twoPersonRule).toBe(false);
      expect(await engine.call('gate.set', { criteria: [], twoPersonRule: false })).toEqual({ criteria: [], twoPersonRule: false });
    } finally {
      await engine.dispose();
    }
  });

  it('finds who made a model: the starter of the run behind an adapter, its merge and their GGUF; the registrant of a base', () => {
    const { db } = openDatabase(tempDir('lathe-makers-'));
    try {
      const now = new Date().toISOString();
      db.prepare(`INSERT INTO runs (id, name, status, config, base_model, output_dir, created_at, updated_at, created_by) VALUES ('run-1', 'r', 'completed', '{}', '/m', '/o', ?, ?, 'tina')`).run(now, now);
      const model = db.prepare(`INSERT INTO models (id, name, kind, format, path, sha256, size_bytes, parent_id, run_id, created_at, created_by) VALUES (?, ?, ?, ?, '/p', ?, 1, ?, ?, ?, ?)`);
      model.run('base', 'base', 'base', 'hf', 'a', null, null, now, 'olga'); // registered by olga
      model.run('adapter', 'adapter', 'adapter', 'peft', 'b', 'base', 'run-1', now, 'engine'); // registered by the engine after tina's run
      model.run('merged', 'merged', 'merged', 'hf', 'c', 'adapter', null, now, 'ed'); // merged (exported) by ed
      model.run('q4', 'q4', 'gguf', 'gguf', 'd', 'merged', null, now, 'ed');
      const q = evalQueries(db);
      expect(q.makerOf('q4')).toEqual({ maker: 'tina', run_id: 'run-1' });
      expect(q.makerOf('merged')).toEqual({ maker: 'tina', run_id: 'run-1' });
      expect(q.makerOf('adapter')).toEqual({ maker: 'tina', run_id: 'run-1' });
      expect(q.makerOf('base')).toEqual({ maker: 'olga', run_id: null });
      expect(q.makerOf('nothing')).toBeNull();
    } finally {
      db.close();
    }
  });
});
