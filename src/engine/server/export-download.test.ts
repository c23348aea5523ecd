import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { LatheError } from '../../shared/contract/errors.js';
import { exportQueries } from '../db/queries/exports.js';
import { modelQueries } from '../db/queries/models.js';
import { Engine } from '../engine.js';
import { DownloadTickets } from '../models/export-download.js';
import { startBrowserServer, type BrowserServer } from './browser-server.js';
import { rawRequest } from './raw-http.test-support.js';
import { clientFor, cookieOf, startTeam } from './team.test-support.js';

/**
 * Downloading an export's files from the browser (issue 19 item 12), over a real browser server and a real SQLite
 * library: `exports.download` vets the file (recorded by the export, inside its folder, the size recorded), audits
 * it and hands out a single-use link; GET /download/<link> streams exactly those bytes with their SHA-256, once,
 * to the user it was vetted for. Everything else — a path that is not recorded, a file swapped for a link out of
 * the folder, a file changed since, a used, expired or stolen link, no token — gets nothing.
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = null;
});

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: LatheError) => e);
const GGUF = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(70_000, 7)]);

/** An export folder as the export job leaves it: a GGUF and SHA256SUMS on disk, rows marking it a draft. */
function exportedFolder(engine: Engine): { folder: string; sha256: string } {
  const folder = path.join(engine.ctx.dataDir, 'exports', 'grid-assistant');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'grid-Q8_0.gguf'), GGUF);
  const sha256 = createHash('sha256').update(GGUF).digest('hex');
  fs.writeFileSync(path.join(folder, 'SHA256SUMS'), `${sha256}  grid-Q8_0.gguf\n`);
  const x = exportQueries(engine.ctx.db!);
  const now = new Date().toISOString();
  modelQueries(engine.ctx.db!).insert({ id: 'm', name: 'grid', kind: 'base', format: 'gguf', path: path.join(folder, 'grid-Q8_0.gguf'), sha256, size_bytes: GGUF.length, architecture: null, parameters: null, context_length: null, quantization: 'Q8_0', chat_template: null, license: null, details: '{}', parent_id: null, run_id: null, copied: 0, created_at: now, created_by: 'ada' });
  x.insert({ id: 'exp-1', name: 'grid-assistant', model_id: 'm', base_model_id: null, run_id: null, path: folder, formats: '["gguf-q8_0"]', status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: now, finished_at: null, created_by: 'ada', owner_pid: null, owner_boot: null, owner_start: null });
  x.finish('exp-1', 'draft', [{ export_id: 'exp-1', path: 'grid-Q8_0.gguf', format: 'gguf', quant: 'Q8_0', sha256, bytes: GGUF.length }], 'f'.repeat(64), {}, null);
  return { folder, sha256 };
}

async function tokenServer(): Promise<BrowserServer> {
  const rendererDir = tempDir('lathe-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  return startBrowserServer({ dataDir: tempDir('lathe-download-'), rendererDir, mode: 'test' });
}

const downloadsAudited = (engine: Engine) => engine.call('audit.list', { actionPrefix: 'export.download' });
/** A GET the server answered (a reset connection fails the test). */
async function get(port: number, target: string, headers: Record<string, string> = {}) {
  const answer = await rawRequest(port, { target, headers });
  if (answer.reset) throw new Error(`GET ${target} was reset: ${answer.error}`);
  return answer;
}

describe('export downloads (browser mode, real server and library)', () => {
  it('streams exactly the recorded file once, with its SHA-256, and audits the download', async () => {
    server = await tokenServer();
    const { sha256 } = exportedFolder(server.engine);
    const { client } = await clientFor(server.port, null, `/ws?token=${server.token}`);
    const link = await client.send('exports.download', { exportId: 'exp-1', file: 'grid-Q8_0.gguf' });
    expect(link).toMatchObject({ file: 'grid-Q8_0.gguf', bytes: GGUF.length, sha256 });

    // The link alone is not enough: the server's token is still required.
    expect((await get(server.port, link.url)).status).toBe(401);
    const auth = { cookie: `lathe_token=${server.token}` };
    const answer = await get(server.port, link.url, auth);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-disposition']).toContain('attachment; filename="grid-Q8_0.gguf"');
    expect(answer.headers['repr-digest']).toBe(`sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
    expect(createHash('sha256').update(answer.body).digest('hex')).toBe(sha256);
    expect((await get(server.port, link.url, auth)).status).toBe(404); // single use

    // SHA256SUMS comes too; the audit log names both downloads.
    const sums = await client.send('exports.download', { exportId: 'exp-1', file: 'SHA256SUMS' });
    expect((await get(server.port, sums.url, auth)).body.toString()).toBe(`${sha256}  grid-Q8_0.gguf\n`);
    const { entries } = await downloadsAudited(server.engine);
    expect(entries.map((e) => (e.details as { file: string }).file).sort()).toEqual(['SHA256SUMS', 'grid-Q8_0.gguf']);
  });

  it('refuses a file the export did not record, a link out of its folder and a file changed since, before any link exists', async () => {
    server = await tokenServer();
    const { folder } = exportedFolder(server.engine);
    const { client } = await clientFor(server.port, null, `/ws?token=${server.token}`);
    const ask = (file: string) => errorOf(client.send('exports.download', { exportId: 'exp-1', file }));
    for (const file of ['../../lathe.db', '/etc/passwd', 'grid-Q8_0.gguf/../../../lathe.db', 'other.gguf']) {
      expect(await ask(file), file).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await errorOf(client.send('exports.download', { exportId: 'nope', file: 'grid-Q8_0.gguf' }))).toMatchObject({ code: 'NOT_FOUND' });

    const secret = path.join(tempDir('lathe-outside-'), 'secret.gguf');
    fs.writeFileSync(secret, GGUF);
    fs.rmSync(path.join(folder, 'grid-Q8_0.gguf'));
    fs.symlinkSync(secret, path.join(folder, 'grid-Q8_0.gguf'));
    expect(await ask('grid-Q8_0.gguf')).toMatchObject({ code: 'FORBIDDEN', message: /outside the export folder/ });

    fs.rmSync(path.join(folder, 'grid-Q8_0.gguf'));
    fs.writeFileSync(path.join(folder, 'grid-Q8_0.gguf'), GGUF.subarray(0, 1000));
    expect(await ask('grid-Q8_0.gguf')).toMatchObject({ code: 'INVALID_ARGUMENTS', message: /changed since it was exported/ });
    expect((await downloadsAudited(server.engine)).entries).toEqual([]);
    expect((await get(server.port, `/download/${'A'.repeat(43)}`, { cookie: `lathe_token=${server.token}` })).status).toBe(404);
  });

  it('team mode: a link works only for the signed-in user it was made for', async () => {
    const team = await startTeam({ ada: 'viewer', bob: 'viewer' });
    server = team.server;
    exportedFolder(server.engine);
    const ada = await cookieOf(server.port, 'ada');
    const bob = await cookieOf(server.port, 'bob');
    const { client } = await clientFor(server.port, ada);
    const link = await client.send('exports.download', { exportId: 'exp-1', file: 'grid-Q8_0.gguf' });
    expect((await get(server.port, link.url)).status).toBe(401); // no session
    expect((await get(server.port, link.url, { cookie: bob })).status).toBe(404); // someone else's session
    expect((await get(server.port, link.url, { cookie: ada })).body.length).toBe(GGUF.length);
    const [entry] = (await downloadsAudited(server.engine)).entries;
    expect(entry!.actor).toBe('ada');
  });

  it('the desktop app opens the export folder in the file manager; a browser-mode engine says to download instead', async () => {
    const bin = tempDir('lathe-bin-');
    const opened = path.join(bin, 'opened.txt');
    // A stand-in for the desktop's xdg-open (a real process, started as the engine would start the real one).
    fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    vi.stubEnv('PATH', `${bin}:${process.env.PATH}`);
    const desktop = Engine.open({ dataDir: tempDir('lathe-desktop-'), mode: 'electron' });
    try {
      const { folder } = exportedFolder(desktop);
      expect(await desktop.call('exports.reveal', { exportId: 'exp-1' })).toEqual({ path: fs.realpathSync(folder) });
      await vi.waitFor(() => expect(fs.readFileSync(opened, 'utf8')).toBe(fs.realpathSync(folder)), { timeout: 5000 });
      vi.stubEnv('PATH', tempDir('lathe-empty-bin-'));
      expect(await errorOf(desktop.call('exports.reveal', { exportId: 'exp-1' }))).toMatchObject({ code: 'NOT_FOUND', hint: expect.stringContaining(fs.realpathSync(folder)) });
    } finally {
      vi.unstubAllEnvs();
      await desktop.dispose();
    }
    const served = Engine.open({ dataDir: tempDir('lathe-served-'), mode: 'browser' });
    try {
      exportedFolder(served);
      expect(await errorOf(served.call('exports.reveal', { exportId: 'exp-1' }))).toMatchObject({ code: 'INVALID_ARGUMENTS', hint: /Download its files/ });
    } finally {
      await served.dispose();
    }
  });

  it('a link expires after a minute', () => {
    vi.useFakeTimers();
    const tickets = new DownloadTickets();
    const grant = { file: 'a.gguf', absolutePath: '/x/a.gguf', bytes: 1, sha256: null, actor: 'ada' };
    const fresh = tickets.issue(grant);
    const stale = tickets.issue(grant);
    expect(tickets.take(fresh, 'ada')).toMatchObject({ file: 'a.gguf' });
    vi.advanceTimersByTime(60_001);
    expect(tickets.take(stale, 'ada')).toBeNull();
  });
});
