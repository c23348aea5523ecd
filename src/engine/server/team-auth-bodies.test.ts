import { afterEach, describe, expect, it } from 'vitest';
import type { BrowserServer } from './browser-server.js';
import { rawRequest } from './raw-http.test-support.js';
import { login, startTeam } from './team.test-support.js';

/**
 * Team mode's /auth/* routes answer whatever body a client sends — too big, the wrong type, from another site, to a
 * route that reads none — with their status, never a reset: the server reads a body to its end before answering
 * (Node 24 closes a socket whose request body was left unread; CI runs this on Node 24, the bundled runtime).
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const BIG = Buffer.alloc(8 * 1024 * 1024, 0x61);
const json = { 'content-type': 'application/json' };

/** `body` as one HTTP/1.1 chunk and the last chunk: a length the server learns only by reading. */
const chunked = (body: Buffer) => Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);

describe('team mode: request bodies on the sign-in routes', () => {
  it('8 MB to every /auth route (declared, chunked, refused by type, origin, method or route) gets its answer, not a reset', { timeout: 120_000 }, async () => {
    ({ server } = await startTeam({ ada: 'admin' }));
    const port = server.port;
    const cases: Array<[string, Parameters<typeof rawRequest>[1], number]> = [
      ['login, declared too big', { method: 'POST', target: '/auth/login', headers: json, body: BIG }, 413],
      ['login, chunked past the limit', { method: 'POST', target: '/auth/login', headers: { ...json, 'transfer-encoding': 'chunked' }, body: chunked(BIG), chunkedBody: true }, 413],
      ['login, not JSON', { method: 'POST', target: '/auth/login', headers: { 'content-type': 'text/plain' }, body: BIG }, 415],
      ['login from another site', { method: 'POST', target: '/auth/login', headers: { ...json, origin: 'http://evil.example' }, body: BIG }, 403],
      ['login by GET', { method: 'GET', target: '/auth/login', body: BIG }, 405],
      ['password, signed out', { method: 'POST', target: '/auth/password', headers: { ...json, 'transfer-encoding': 'chunked' }, body: chunked(BIG), chunkedBody: true }, 413],
      ['logout', { method: 'POST', target: '/auth/logout', headers: json, body: BIG }, 200],
      ['session', { method: 'GET', target: '/auth/session', body: BIG }, 401],
      ['no such route', { method: 'POST', target: '/auth/nope', headers: json, body: BIG }, 404],
    ];
    const got: string[] = [];
    for (const [label, request] of cases) {
      const r = await rawRequest(port, request);
      got.push(`${label}: ${r.reset ? `reset ${r.error}` : r.status}`);
    }
    expect(got).toEqual(cases.map(([label, , status]) => `${label}: ${status}`));
    // A small, well-formed sign-in still works afterwards.
    expect(await login(port, 'ada')).toMatchObject({ reset: false, status: 200 });
  });
});
