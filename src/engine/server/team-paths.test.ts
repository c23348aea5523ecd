import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { LatheError } from '../../shared/contract/errors.js';
import type { LatheClient } from '../../shared/contract/index.js';
import { EXPORT_FORMATS } from '../../shared/contract/features/dataset-export.js';
import type { BrowserServer } from './browser-server.js';
import { startBrowserServer } from './browser-server.js';
import { clientFor, cookieOf, startTeam, writtenState } from './team.test-support.js';

/**
 * File access in browser/team mode (issue 15): every client-supplied path is resolved by the file system (symbolic
 * links, `..`) and must lie in the data folder or an --allow-dir folder; anything else is FORBIDDEN_PATH, for every
 * handler that takes a path (the class is declared in src/shared/contract/permissions.ts and checked by its test).
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: LatheError) => e);
const FORMAT = EXPORT_FORMATS[0];
const TASKS = '{"prompt":"2+2?","completion":"4"}\n{"prompt":"3+3?","completion":"6"}\n';

/** An allowed folder and an outside one, with a data file and a GGUF-looking file in each, and links from in to out. */
function layout() {
  const allowed = fs.realpathSync(tempDir('lathe-allowed-'));
  const outside = fs.realpathSync(tempDir('lathe-outside-'));
  for (const dir of [allowed, outside]) {
    fs.writeFileSync(path.join(dir, 'tasks.jsonl'), TASKS);
    fs.writeFileSync(path.join(dir, 'model.gguf'), 'GGUF');
    fs.mkdirSync(path.join(dir, 'hf-model'));
    fs.writeFileSync(path.join(dir, 'hf-model', 'config.json'), '{}');
  }
  fs.symlinkSync(outside, path.join(allowed, 'link-out'));
  fs.symlinkSync(path.join(outside, 'tasks.jsonl'), path.join(allowed, 'tasks-link.jsonl'));
  fs.symlinkSync(path.join(outside, 'model.gguf'), path.join(allowed, 'model-link.gguf'));
  return { allowed, outside, escapes: (name: string) => [
    path.join(outside, name), // absolute, outside
    `${allowed}/../${path.basename(outside)}/${name}`, // `..` out of a root
    path.join(allowed, 'link-out', name), // through a folder link that points out
    `${allowed}/not-there/../../${path.basename(outside)}/${name}`, // `..` after a folder that does not exist
  ] };
}

async function adminClient(allowed: string): Promise<{ client: LatheClient; dataDir: string }> {
  const t = await startTeam({ root: 'admin' }, { allowDirs: [allowed] });
  server = t.server;
  return { client: (await clientFor(server.port, await cookieOf(server.port, 'root'))).client, dataDir: t.dataDir };
}

async function expectForbidden(call: Promise<unknown>, what: string): Promise<void> {
  const err = await errorOf(call);
  expect(err, what).toMatchObject({ code: 'FORBIDDEN_PATH', hint: expect.stringContaining('--allow-dir') });
}

describe('team mode: client paths stay inside the allowed roots', () => {
  it('datasets.import (and detect): `..`, a link that points out and an absolute path outside are refused; inside works', async () => {
    const { allowed, outside, escapes } = layout();
    const { client, dataDir } = await adminClient(allowed);
    const before = writtenState(dataDir);
    for (const p of [...escapes('tasks.jsonl'), path.join(allowed, 'tasks-link.jsonl')]) {
      await expectForbidden(client.send('datasets.import', { path: p, datasetName: 'stolen' }), `import ${p}`);
      await expectForbidden(client.send('datasets.detect', { path: p }), `detect ${p}`);
      await expectForbidden(client.send('datasets.previewDocuments', { path: p }), `preview ${p}`);
    }
    expect(writtenState(dataDir)).toEqual(before);
    const ok = await client.send('datasets.import', { path: path.join(allowed, 'tasks.jsonl'), datasetName: 'fine' });
    expect(ok.rowsImported).toBe(2);
    fs.writeFileSync(path.join(dataDir, 'own.jsonl'), TASKS);
    expect((await client.send('datasets.import', { path: path.join(dataDir, 'own.jsonl'), datasetName: 'from data' })).rowsImported).toBe(2);
    expect(fs.existsSync(path.join(outside, 'tasks.jsonl'))).toBe(true);
  });

  it('datasets.export: nothing is written outside; the same export inside is written', async () => {
    const { allowed, outside, escapes } = layout();
    const { client } = await adminClient(allowed);
    const v = await client.send('datasets.import', { path: path.join(allowed, 'tasks.jsonl'), datasetName: 'fine' });
    for (const p of escapes('out.jsonl')) await expectForbidden(client.send('datasets.export', { versionId: v.versionId, format: FORMAT, path: p }), `export ${p}`);
    // A file link inside that points out is followed before the check, so it cannot be overwritten either.
    fs.writeFileSync(path.join(outside, 'victim.jsonl'), 'keep me');
    fs.symlinkSync(path.join(outside, 'victim.jsonl'), path.join(allowed, 'victim.jsonl'));
    await expectForbidden(client.send('datasets.export', { versionId: v.versionId, format: FORMAT, path: path.join(allowed, 'victim.jsonl'), overwrite: true }), 'export over a link');
    expect(fs.readFileSync(path.join(outside, 'victim.jsonl'), 'utf8')).toBe('keep me');
    expect(fs.readdirSync(outside).filter((n) => n.startsWith('out'))).toEqual([]);
    const done = await client.send('datasets.export', { versionId: v.versionId, format: FORMAT, path: path.join(allowed, 'exports', 'out.jsonl') });
    expect(done.path).toBe(path.join(allowed, 'exports', 'out.jsonl'));
    expect(fs.existsSync(done.path)).toBe(true);
  });

  it('models.import and models.inspect: model files and folders outside are refused before anything is read', async () => {
    const { allowed, escapes } = layout();
    const { client, dataDir } = await adminClient(allowed);
    const before = writtenState(dataDir);
    for (const p of [...escapes('model.gguf'), ...escapes('hf-model'), path.join(allowed, 'model-link.gguf')]) {
      await expectForbidden(client.send('models.import', { path: p }), `import ${p}`);
      await expectForbidden(client.send('models.inspect', { path: p }), `inspect ${p}`);
    }
    await expectForbidden(client.send('runs.estimate', { baseModelDir: escapes('hf-model')[0]! }), 'runs.estimate');
    expect(writtenState(dataDir)).toEqual(before);
    // Inside, the check passes and the handler's own validation speaks (the fake GGUF is not a model).
    const inside = await errorOf(client.send('models.inspect', { path: path.join(allowed, 'model.gguf') }));
    expect(inside?.code).not.toBe('FORBIDDEN_PATH');
  });

  it('only a peer is confined: the server process\'s own calls (the operator\'s CLI and start-up imports) may read outside', async () => {
    const { allowed, outside } = layout();
    const { client } = await adminClient(allowed);
    await expectForbidden(client.send('datasets.import', { path: path.join(outside, 'tasks.jsonl'), datasetName: 'peer' }), 'peer import');
    const own = await server!.engine.call('datasets.import', { path: path.join(outside, 'tasks.jsonl'), datasetName: 'operator' });
    expect(own.rowsImported).toBe(2);
  });

  it('the folder browser lists only the data folder and the allowed folders, and refuses the rest', async () => {
    const { allowed, outside } = layout();
    const { client, dataDir } = await adminClient(allowed);
    const home = await client.send('files.listFolder', {});
    expect(home.path).toBe(fs.realpathSync(dataDir));
    expect(home.roots.map((r) => r.path)).toEqual([fs.realpathSync(dataDir), allowed]);
    const listing = await client.send('files.listFolder', { path: allowed });
    expect(listing.entries.map((e) => e.name)).not.toContain('link-out'); // a link out of the roots is not shown
    await expectForbidden(client.send('files.listFolder', { path: outside }), 'list outside');
    await expectForbidden(client.send('files.listFolder', { path: path.join(allowed, 'link-out') }), 'list through a link');
    await expectForbidden(client.send('files.listFolder', { path: '/' }), 'list /');
  });

  it('token mode on loopback confines paths too once --allow-dir is given', async () => {
    const { allowed, outside } = layout();
    const rendererDir = tempDir('lathe-renderer-');
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
    server = await startBrowserServer({ dataDir: tempDir(), rendererDir, mode: 'test', allowDirs: [allowed] });
    const { client } = await clientFor(server.port, null, `/ws?token=${server.token}`);
    await expectForbidden(client.send('datasets.detect', { path: path.join(outside, 'tasks.jsonl') }), 'detect outside');
    expect((await client.send('datasets.detect', { path: path.join(allowed, 'tasks.jsonl') })).format).toBeTruthy();
  });
});
