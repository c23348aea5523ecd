import { afterEach, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { BrowserServer } from '../../src/engine/server/browser-server.js';
import { clientFor, cookieOf, login, startTeam } from '../../src/engine/server/team.test-support.js';
import { rawRequest } from '../../src/engine/server/raw-http.test-support.js';

/**
 * Live-editing the UI against `lathe serve --team`: the vite dev server (renderer/vite.config.ts, LATHE_DEV_ENGINE)
 * proxies sign-in (/auth/*) and the socket (/ws) to a real team-mode engine, so the dev page signs in, keeps its
 * cookie on its own origin and opens the socket as that user.
 */
let engineServer: BrowserServer | null = null;
let vite: ViteDevServer | null = null;
afterEach(async () => {
  await vite?.close();
  await engineServer?.close();
  vite = null;
  engineServer = null;
  delete process.env.LATHE_DEV_ENGINE;
});

describe('vite dev server against a team-mode engine', () => {
  it('proxies sign-in and the socket, the session cookie living on the dev origin', async () => {
    engineServer = (await startTeam({ alice: 'approver' })).server;
    process.env.LATHE_DEV_ENGINE = engineServer.url.replace(/\/$/, '');
    const { createServer } = await import('vite');
    vite = await createServer({ configFile: 'renderer/vite.config.ts', server: { port: 0, strictPort: false }, logLevel: 'silent' });
    await vite.listen();
    const port = (vite.httpServer!.address() as { port: number }).port;
    expect(port).not.toBe(engineServer.port);

    const signedOut = await rawRequest(port, { method: 'GET', target: '/auth/session' });
    expect(signedOut).toMatchObject({ reset: false, status: 401, json: { error: { code: 'UNAUTHORIZED' } } }); // the engine's answer, not vite's page

    expect(await login(port, 'alice', 'not her password')).toMatchObject({ reset: false, status: 401 });
    const cookie = await cookieOf(port, 'alice');
    const session = await rawRequest(port, { method: 'GET', target: '/auth/session', headers: { cookie } });
    expect(session).toMatchObject({ status: 200, json: { user: { name: 'alice', role: 'approver' } } });

    const { client, ws } = await clientFor(port, cookie);
    try {
      expect(await client.send('auth.whoami', {})).toMatchObject({ team: true, user: { name: 'alice' } });
    } finally {
      ws.close();
    }
  }, 60_000);
});
