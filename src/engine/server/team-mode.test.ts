import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LatheError } from '../../shared/contract/errors.js';
import { handlerSpecs, type HandlerName } from '../../shared/contract/index.js';
import { HANDLER_ACCESS } from '../../shared/contract/permissions.js';
import { ROLE_PERMISSIONS, ROLES } from '../../shared/contract/roles.js';
import type { BrowserServer } from './browser-server.js';
import { rawRequest } from './raw-http.test-support.js';
import { clientFor, cookieOf, login, PASSWORD, startTeam, upgradeStatus, writtenState } from './team.test-support.js';

/**
 * Team mode over real HTTP and WebSockets on a real SQLite file (issue 15): sign-in, the session cookie, idle expiry,
 * lockout, CSRF checks, the audit actor, and the permission walk over every handler of the contract.
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: LatheError) => e);

describe('team mode: sign-in and sessions', () => {
  it('signs in with a name and password: an HttpOnly, SameSite=Strict, Path=/ cookie that opens the WebSocket', async () => {
    const t = await startTeam({ ada: 'curator' });
    server = t.server;
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    // The page itself is public (it shows the sign-in form); the data is not.
    expect(await rawRequest(server.port, { target: '/' })).toMatchObject({ status: 200 });
    expect(await rawRequest(server.port, { target: '/auth/session' })).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } });
    expect(await upgradeStatus(server.port, {})).toBe(401);

    const r = await login(server.port, 'ada');
    expect(r).toMatchObject({ status: 200, json: { user: { name: 'ada', role: 'curator' }, mustChangePassword: false } });
    const setCookie = r.reset ? '' : r.headers['set-cookie']!;
    expect(setCookie).toMatch(/^lathe_session=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = setCookie.split(';')[0]!;
    expect(await rawRequest(server.port, { target: '/auth/session', headers: { cookie } })).toMatchObject({ status: 200, json: { user: { name: 'ada' }, idleMinutes: 30 } });

    const { client, ws } = await clientFor(server.port, cookie);
    expect(await client.send('auth.whoami', {})).toEqual({ team: true, user: { id: 1, name: 'ada', role: 'curator' }, actor: 'ada', permissions: ['read', 'label', 'curate'] });
    ws.close();
  });

  it('stores only the sha256 of the session token', async () => {
    const t = await startTeam({ ada: 'viewer' });
    server = t.server;
    const cookie = await cookieOf(server.port, 'ada');
    const token = cookie.split('=')[1]!;
    const stored = server.engine.ctx.db!.prepare('SELECT token_sha256 FROM sessions').pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]).not.toContain(token);
    const { createHash } = await import('node:crypto');
    expect(stored[0]).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('refuses a forged cookie and a wrong password with 401, on the session endpoint and the WebSocket upgrade', async () => {
    const t = await startTeam({ ada: 'admin' });
    server = t.server;
    expect(await login(server.port, 'ada', 'wrong password here')).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED', message: 'Wrong user name or password.' } } });
    expect(await login(server.port, 'nobody')).toMatchObject({ status: 401, json: { error: { message: 'Wrong user name or password.' } } });
    const forged = `lathe_session=${'A'.repeat(43)}`;
    expect(await rawRequest(server.port, { target: '/auth/session', headers: { cookie: forged } })).toMatchObject({ status: 401 });
    expect(await upgradeStatus(server.port, { cookie: forged })).toBe(401);
    // The single-user token means nothing in team mode.
    expect(await upgradeStatus(server.port, { cookie: 'lathe_token=abc' })).toBe(401);
  });

  it('ends a session after the idle timeout: 401 on the upgrade, UNAUTHORIZED on an open socket, which then closes', async () => {
    let now = Date.parse('2026-12-10T10:00:00Z');
    const t = await startTeam({ ada: 'viewer' }, { users: { now: () => new Date(now), idleMs: 30 * 60_000 } });
    server = t.server;
    const cookie = await cookieOf(server.port, 'ada');
    const { client, ws } = await clientFor(server.port, cookie);
    now += 20 * 60_000;
    await client.send('app.ping', { message: 'still here' }); // activity keeps it alive
    now += 20 * 60_000;
    expect(await upgradeStatus(server.port, { cookie })).toBe(101);
    now += 31 * 60_000;
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(await errorOf(client.send('app.ping', { message: 'hello?' }))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await closed).toBe(4401);
    expect(await upgradeStatus(server.port, { cookie })).toBe(401);
    expect(await rawRequest(server.port, { target: '/auth/session', headers: { cookie } })).toMatchObject({ status: 401 });
  });

  it('signs out: the cookie is cleared, the session refused afterwards and its open sockets closed (audited)', async () => {
    const t = await startTeam({ ada: 'viewer' });
    server = t.server;
    const cookie = await cookieOf(server.port, 'ada');
    const { ws } = await clientFor(server.port, cookie);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const out = await rawRequest(server.port, { method: 'POST', target: '/auth/logout', headers: { cookie } });
    expect(out).toMatchObject({ status: 200, headers: { 'set-cookie': expect.stringMatching(/^lathe_session=; .*Max-Age=0/) } });
    expect(await closed).toBe(4401);
    expect(await upgradeStatus(server.port, { cookie })).toBe(401);
    const actions = server.engine.ctx.audit!.list(10, undefined).entries.map((e) => `${e.actor} ${e.action}`);
    expect(actions.slice(0, 2)).toEqual(['ada auth.logout', 'ada auth.login']);
  });

  it('locks an account after 5 wrong passwords (audited); the right password is refused until the lock runs out', async () => {
    let now = Date.parse('2026-12-10T10:00:00Z');
    const t = await startTeam({ ada: 'labeller' }, { users: { now: () => new Date(now) } });
    server = t.server;
    for (let i = 1; i <= 4; i += 1) expect(await login(server.port, 'ada', `guess number ${i}`)).toMatchObject({ status: 401 });
    expect(await login(server.port, 'ada', 'guess number 5')).toMatchObject({ status: 423, json: { error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/locked .* until 10:15 UTC/) } } });
    expect(await login(server.port, 'ada')).toMatchObject({ status: 423 });
    const log = server.engine.ctx.audit!.list(20, undefined).entries;
    expect(log.filter((e) => e.action === 'auth.login_failed')).toHaveLength(5);
    expect(log.find((e) => e.action === 'auth.locked')).toMatchObject({ actor: 'ada', objectType: 'user', details: { failures: 5, until: '2026-12-10T10:15:00.000Z' } });
    expect(JSON.stringify(log)).not.toContain('guess number'); // no password ever reaches the log
    now += 16 * 60_000;
    expect(await login(server.port, 'ada')).toMatchObject({ status: 200 });
  });

  it('CSRF: state-changing requests from another origin, non-JSON bodies and oversized bodies are refused', async () => {
    const t = await startTeam({ ada: 'admin' });
    server = t.server;
    expect(await login(server.port, 'ada', PASSWORD, { origin: 'http://evil.example' })).toMatchObject({ status: 403 });
    expect(await login(server.port, 'ada', PASSWORD, { origin: `http://127.0.0.1:${server.port}` })).toMatchObject({ status: 200 });
    const form = await rawRequest(server.port, { method: 'POST', target: '/auth/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=ada&password=${PASSWORD}` });
    expect(form).toMatchObject({ status: 415 });
    const big = await rawRequest(server.port, { method: 'POST', target: '/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'x'.repeat(20_000) }) });
    expect(big).toMatchObject({ status: 413 });
    expect(await rawRequest(server.port, { method: 'GET', target: '/auth/login' })).toMatchObject({ status: 405 });
    const cookie = await cookieOf(server.port, 'ada');
    expect(await rawRequest(server.port, { method: 'POST', target: '/auth/logout', headers: { cookie, origin: 'http://evil.example' } })).toMatchObject({ status: 403 });
    expect(await upgradeStatus(server.port, { cookie, origin: 'http://evil.example' })).toBe(401);
    expect(await upgradeStatus(server.port, { cookie })).toBe(101); // the refused logout did not end it
  });

  it('a one-time password must be changed before the data opens; the new one works, the old one no longer', async () => {
    const t = await startTeam({ admin: 'admin' });
    server = t.server;
    await server.users!.resetPassword('admin', 'one time password 1', 'operator');
    const r = await login(server.port, 'admin', 'one time password 1');
    expect(r).toMatchObject({ status: 200, json: { mustChangePassword: true } });
    const cookie = r.reset ? '' : r.headers['set-cookie']!.split(';')[0]!;
    expect(await upgradeStatus(server.port, { cookie })).toBe(401);
    expect(await rawRequest(server.port, { target: '/auth/session', headers: { cookie } })).toMatchObject({ status: 200, json: { mustChangePassword: true } });
    const change = (current: string, next: string) =>
      rawRequest(server!.port, { method: 'POST', target: '/auth/password', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ current, next }) });
    expect(await change('not the password', 'a brand new passphrase')).toMatchObject({ status: 401 });
    expect(await change('one time password 1', 'short')).toMatchObject({ status: 400 });
    expect(await change('one time password 1', 'a brand new passphrase')).toMatchObject({ status: 200 });
    expect(await upgradeStatus(server.port, { cookie })).toBe(101);
    expect(await login(server.port, 'admin', 'one time password 1')).toMatchObject({ status: 401 });
    expect(await login(server.port, 'admin', 'a brand new passphrase')).toMatchObject({ status: 200 });
  });

  it('a disabled user cannot sign in and loses open sessions', async () => {
    const t = await startTeam({ ada: 'viewer', root: 'admin' });
    server = t.server;
    const cookie = await cookieOf(server.port, 'ada');
    const { client } = await clientFor(server.port, cookie);
    server.users!.disable('ada', 'root');
    expect(await errorOf(client.send('app.ping', { message: 'x' }))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await login(server.port, 'ada')).toMatchObject({ status: 401 });
  });

  it('refuses to start without users, and without TLS on a non-loopback host', async () => {
    await expect(startTeam({})).rejects.toMatchObject({ code: 'NOT_FOUND', hint: expect.stringMatching(/lathe users add NAME --role admin/) });
    await expect(startTeam({ ada: 'admin' }, { host: '0.0.0.0' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: expect.stringMatching(/--tls-cert/) });
  });
});

describe('team mode: identity', () => {
  it('the audit actor and the reviewer are the session user, never a name the client sends', async () => {
    const t = await startTeam({ ada: 'labeller', bob: 'approver' });
    server = t.server;
    const file = path.join(t.dataDir, 'tasks.jsonl');
    fs.writeFileSync(file, '{"prompt":"2+2?","completion":"4"}\n{"prompt":"3+3?","completion":"6"}\n');
    const imported = await server.engine.call('datasets.import', { path: file, datasetName: 'sums' }); // the operator, in-process
    const ada = await clientFor(server.port, await cookieOf(server.port, 'ada'));
    const bob = await clientFor(server.port, await cookieOf(server.port, 'bob'));

    await bob.client.send('evals.setSafetyPolicy', { project: 'p1', policy: { mustRefuse: [], mustAnswer: [], refusalPatterns: [] } } as never);
    expect(server.engine.ctx.audit!.list(1, undefined).entries[0]).toMatchObject({ actor: 'bob' });

    // ada names bob as the reviewer: the engine records ada.
    await ada.client.send('reviews.act', { versionId: imported.versionId, position: 0, action: 'accept', reviewer: 'bob' });
    const history = await ada.client.send('reviews.history', { versionId: imported.versionId, position: 0 });
    expect(history.entries.map((e) => e.reviewer)).toEqual(['ada']);
    expect(server.engine.ctx.audit!.list(1, undefined).entries[0]).toMatchObject({ actor: 'ada', action: 'dataset.review.accept' });
    expect(await ada.client.send('auth.whoami', {})).toMatchObject({ actor: 'ada' });
    // In-process calls (the operator's own) stay the local actor, as in single-user modes.
    expect((await server.engine.call('auth.whoami', {})).user).toBeNull();
  });
});

describe('team mode: the permission walk', () => {
  it('every handler: each role without its permission gets FORBIDDEN, and nothing is written', async () => {
    const names = Object.keys(handlerSpecs) as HandlerName[];
    const t = await startTeam(Object.fromEntries(ROLES.map((r) => [r, r])));
    server = t.server;
    const clients = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, (await clientFor(server!.port, await cookieOf(server!.port, r))).client] as const)));
    const before = writtenState(t.dataDir);
    let refused = 0;
    for (const name of names) {
      const needs = HANDLER_ACCESS[name].needs;
      const lacking = ROLES.filter((r) => !ROLE_PERMISSIONS[r].includes(needs));
      if (needs === 'read') expect(lacking, name).toEqual([]); // every role reads
      for (const role of lacking) {
        const err = await errorOf(clients[role]!.send(name, {} as never));
        expect(err, `${role} → ${name}`).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`needs the "${needs}" permission`), hint: expect.stringContaining('lathe users set-role') });
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(150);
    expect(writtenState(t.dataDir)).toEqual(before);
  });

  it('every handler: a signed-out session gets UNAUTHORIZED before any argument check, and nothing is written', async () => {
    const t = await startTeam({ admin: 'admin' });
    server = t.server;
    const cookie = await cookieOf(server.port, 'admin');
    const { client } = await clientFor(server.port, cookie);
    server.users!.logout(cookie.split('=')[1]!);
    const before = writtenState(t.dataDir);
    for (const name of Object.keys(handlerSpecs) as HandlerName[]) {
      const err = await errorOf(client.send(name, {} as never));
      expect(err?.code, name).toMatch(/UNAUTHORIZED|TRANSPORT_CLOSED/); // the socket is closed after the first refusal
    }
    expect(writtenState(t.dataDir)).toEqual(before);
  });
});
