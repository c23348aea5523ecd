import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { runLathe } from '../../cli/cli.js';
import { AuditLog } from '../audit/audit-log.js';
import { UserDirectory } from '../auth/users.js';
import { openDatabase } from '../db/connection.js';
import { rawRequest } from '../server/raw-http.test-support.js';
import { CHEAP_SCRYPT, clientFor, cookieOf, PASSWORD, upgradeStatus } from '../server/team.test-support.js';
import { openDesktopEngine, type DesktopLink } from './desktop-link.js';

/**
 * The desktop app's "require sign-in" on the engine's side (real SQLite, real HTTP and WebSocket server, the real
 * CLI): off, the window gets a MessagePort as before; on, the engine serves team mode on loopback and the window's
 * page must sign in. The Electron binary is not here: main's part (loading that page) is electron/main.ts, and the
 * page's part is tests/e2e/desktop-sign-in.e2e.ts.
 */
let open: DesktopLink | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
  vi.restoreAllMocks();
});

async function lathe(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  try {
    return { code: await runLathe(argv), out };
  } catch (err) {
    return { code: 1, out: `${out}${(err as Error).message} ${(err as { hint?: string }).hint ?? ''}` }; // main.ts prints these
  } finally {
    vi.restoreAllMocks();
  }
}

describe('desktop: require sign-in', () => {
  it('is off by default (a MessagePort); on, the engine serves the sign-in page on loopback and every call needs a session', async () => {
    const dataDir = path.join(tempDir('lathe-desktop-'), 'data');
    const rendererDir = tempDir('lathe-renderer-');
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
    vi.stubEnv('LATHE_ACTOR', 'it-admin');

    open = await openDesktopEngine({ dataDir, rendererDir });
    expect(open.kind).toBe('port');
    expect((await open.engine.call('app.info', {})).mode).toBe('electron');
    await open.close();
    open = null;

    // Turning it on needs an admin who could then sign in; the refusal changes nothing.
    const refused = await lathe(['users', 'require-sign-in', 'on', '--data-dir', dataDir]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/No active admin account[\s\S]*lathe users add NAME --role admin/);
    expect((await lathe(['users', 'require-sign-in', 'status', '--data-dir', dataDir])).out).toMatch(/opens without signing in/);
    const { db } = openDatabase(dataDir);
    await new UserDirectory(db, new AuditLog(db), { scrypt: CHEAP_SCRYPT }).add('ada', 'admin', PASSWORD, 'it-admin');
    await new UserDirectory(db, new AuditLog(db), { scrypt: CHEAP_SCRYPT }).add('lee', 'labeller', PASSWORD, 'it-admin');
    db.close();
    const on = await lathe(['users', 'require-sign-in', 'on', '--data-dir', dataDir]);
    expect(on).toMatchObject({ code: 0, out: expect.stringMatching(/asks for a user name and password/) });

    open = await openDesktopEngine({ dataDir, rendererDir });
    if (open.kind !== 'server') throw new Error(`expected the sign-in page, got ${open.kind}`);
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = Number(new URL(open.url).port);
    // No session: the page says "sign in", and no socket opens.
    const session = await rawRequest(port, { method: 'GET', target: '/auth/session', headers: { accept: 'application/json' } });
    expect(session).toMatchObject({ reset: false, status: 401, json: { error: { code: 'UNAUTHORIZED' } } });
    expect(await upgradeStatus(port, {})).toBe(401);
    // Signed in, each call is that user's and held to that user's role.
    const lee = await clientFor(port, await cookieOf(port, 'lee'));
    try {
      expect(await lee.client.send('auth.whoami', {})).toMatchObject({ user: { name: 'lee', role: 'labeller' } });
      await expect(lee.client.send('gate.set', { criteria: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // Client paths are confined: the data folder and the OS user's home folder, nothing else.
      await expect(lee.client.send('files.listFolder', { path: '/etc' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      lee.ws.close();
    }
    await open.close();
    open = null;

    // Off again (audited both ways): the MessagePort, as before.
    expect((await lathe(['users', 'require-sign-in', 'off', '--data-dir', dataDir])).code).toBe(0);
    open = await openDesktopEngine({ dataDir, rendererDir });
    expect(open.kind).toBe('port');
    const changes = await open.engine.call('audit.list', { actionPrefix: 'settings.require_sign_in', limit: 5 });
    expect(changes.entries.map((e) => [e.actor, (e.details as { on: boolean }).on])).toEqual([['it-admin', false], ['it-admin', true]]);
  }, 60_000);
});
