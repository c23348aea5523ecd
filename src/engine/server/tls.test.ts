import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { runLathe } from '../../cli/cli.js';
import type { BrowserServer } from './browser-server.js';
import { PASSWORD, startTeam } from './team.test-support.js';

/** Non-loopback serving needs TLS or an explicit --insecure-http (issue 15); with TLS the server speaks https and wss. */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A throwaway self-signed certificate for 127.0.0.1 (openssl, P-256: fast). */
function selfSigned(): { cert: Buffer; key: Buffer; dir: string } {
  const dir = tempDir('lathe-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')), dir };
}

function httpsRequest(port: number, ca: Buffer, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, ca, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('TLS and non-loopback hosts', () => {
  it('lathe serve refuses a non-loopback --host without TLS or --insecure-http, before opening anything', async () => {
    const dataDir = path.join(tempDir(), 'never-created');
    await expect(runLathe(['serve', '--host', '0.0.0.0', '--data-dir', dataDir])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: expect.stringMatching(/--tls-cert FILE --tls-key FILE.*--insecure-http/) });
    await expect(runLathe(['serve', '--host', '0.0.0.0', '--tls-cert', 'c.pem', '--data-dir', dataDir])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: 'Give --tls-cert and --tls-key together.' });
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it.skipIf(!hasOpenssl)('serves https and wss with the certificate; the session cookie is Secure', async () => {
    const { cert, key } = selfSigned();
    const t = await startTeam({ ada: 'viewer' }, { host: '0.0.0.0', tls: { cert, key } });
    server = t.server;
    expect(server.url).toBe(`https://0.0.0.0:${server.port}/`);
    const page = await httpsRequest(server.port, cert, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toMatch(/max-age=/);
    const login = await httpsRequest(server.port, cert, { method: 'POST', path: '/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Secure/);
    const cookie = setCookie.split(';')[0]!;
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, { ca: cert, headers: { cookie } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    // Plain http on the TLS port gets nowhere.
    await expect(fetch(`http://127.0.0.1:${server.port}/auth/session`)).rejects.toThrow();
  });
});
