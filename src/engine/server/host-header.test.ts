import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { startBrowserServer, type BrowserServer } from './browser-server.js';
import { hostHeaderAllowed, isLoopbackHost, parseHostHeader } from './host-header.js';
import { rawRequest } from './raw-http.test-support.js';
import { upgradeStatus } from './team.test-support.js';

/**
 * One Host-header rule for browser mode (pages and the WebSocket upgrade) and the OpenAI-compatible endpoint:
 * bound to loopback, a server answers only loopback IPs and `localhost`. Every value below is sent for real, as a
 * forged Host header on a request to 127.0.0.1.
 */
const HOSTILE = [
  'evil.example',
  'evil.example:80',
  '127.evil.example',
  '127.0.0.1.evil.example',
  '127.0.0.1.nip.io',
  'localhost.evil.example',
  'evil-localhost',
  'LOCALHOST.evil.example:8080',
  '127.0.0.1.',
  '127.1',
  '127.0.1',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '2130706433',
  '0.0.0.0',
  '10.0.0.1',
  '[::]',
  '[::ffff:10.0.0.1]',
  '[fe80::1]',
  '[127.0.0.1]',
  '::1',
  '127.0.0.1:99999',
  '127.0.0.1:',
  '127.0.0.1:80:80',
  'localhost..',
  'localhost@evil.example',
  'evil.example#@127.0.0.1',
  'evil.example/127.0.0.1',
  '',
];
const GOOD = [
  '127.0.0.1',
  '127.0.0.1:1234',
  '127.1.2.3',
  '127.255.255.254:65535',
  'localhost',
  'LocalHost',
  'localhost.',
  'localhost:8080',
  'LOCALHOST.:1',
  '[::1]',
  '[::1]:80',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]:9',
  '[::FFFF:7f00:1]',
];

describe('host-header helper', () => {
  it('parses host[:port] and [v6][:port], and refuses the malformed', () => {
    expect(parseHostHeader('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(parseHostHeader('[::1]:8080')).toBe('::1');
    expect(parseHostHeader('localhost')).toBe('localhost');
    for (const bad of [undefined, '', '::1', '[::1', '[evil]', 'a b', 'a@b', 'a:99999', 'a:', 'a/b']) expect(parseHostHeader(bad), String(bad)).toBeNull();
  });

  it('knows loopback bind addresses without resolving names', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST.']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['127.evil.example', '127.1', '0.0.0.0', '::', '192.168.1.5', 'localhost.evil.example', 'my-host']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it.each(HOSTILE)('refuses Host %j on a loopback server', (h) => {
    expect(hostHeaderAllowed(h, '127.0.0.1')).toBe(false);
    expect(hostHeaderAllowed(h, '::1')).toBe(false);
  });

  it.each(GOOD)('accepts Host %j on a loopback server', (h) => {
    expect(hostHeaderAllowed(h, '127.0.0.1')).toBe(true);
  });

  it('keeps the Host check off where the operator bound to another address on purpose (the token or key protects it)', () => {
    expect(hostHeaderAllowed('lab-box.example:8080', '0.0.0.0')).toBe(true);
    expect(hostHeaderAllowed('192.168.1.5', '192.168.1.5')).toBe(true);
    expect(hostHeaderAllowed('127.evil.example', '127.evil.example')).toBe(true); // not loopback: no longer special-cased
  });
});

let browser: BrowserServer | null = null;
let engine: Engine | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
  await engine?.dispose();
  engine = null;
});

async function startBrowser(host?: string): Promise<BrowserServer> {
  const rendererDir = tempDir('lathe-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  browser = await startBrowserServer({ dataDir: tempDir(), rendererDir, mode: 'test', ...(host ? { host, insecureHttp: true } : {}) }); // non-loopback needs TLS or this (issue 15)
  return browser;
}

describe('Host header on the real servers (forged on requests to 127.0.0.1)', () => {
  it('browser mode: pages and the WebSocket upgrade answer loopback names only', async () => {
    const s = await startBrowser();
    const pages: Record<string, number> = {};
    const sockets: Record<string, number> = {};
    for (const h of [...HOSTILE, ...GOOD]) {
      const r = await rawRequest(s.port, { target: `/?token=${s.token}`, host: h });
      pages[h] = r.reset ? -1 : r.status;
      if (h) sockets[h] = await upgradeStatus(s.port, { host: h }, `/ws?token=${s.token}`); // the ws client cannot send an empty Host
    }
    for (const h of HOSTILE) expect(pages[h], `page, Host ${JSON.stringify(h)}`).toBe(421);
    for (const h of GOOD) expect(pages[h], `page, Host ${JSON.stringify(h)}`).toBe(200);
    for (const h of HOSTILE.filter((x) => x in sockets)) expect(sockets[h], `socket, Host ${JSON.stringify(h)}`).toBe(421);
    for (const h of GOOD) expect(sockets[h], `socket, Host ${JSON.stringify(h)}`).toBe(101);
    const missing = await rawRequest(s.port, { target: `/?token=${s.token}`, host: null });
    expect(missing.reset ? -1 : missing.status).toBeGreaterThanOrEqual(400); // HTTP/1.1 without Host: Node's 400, or our 421
  });

  it('OpenAI endpoint: the same rule, before the key is even looked at', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const status = await engine.call('serving.start', { port: 0 });
    const auth = { authorization: `Bearer ${status.apiKey}` };
    const answers: Record<string, number> = {};
    for (const h of [...HOSTILE, ...GOOD]) {
      const r = await rawRequest(status.port!, { target: '/v1/models', host: h, headers: auth });
      answers[h] = r.reset ? -1 : r.status;
      if (!r.reset && r.status === 421) expect(r.json).toMatchObject({ error: { code: 'misdirected_request' } });
    }
    for (const h of HOSTILE) expect(answers[h], `Host ${JSON.stringify(h)}`).toBe(421);
    for (const h of GOOD) expect(answers[h], `Host ${JSON.stringify(h)}`).toBe(200);
  });

  it('a server bound to a non-loopback address on purpose still answers any Host (as before): the token/key is its protection', async () => {
    const s = await startBrowser('0.0.0.0');
    expect((await rawRequest(s.port, { target: `/?token=${s.token}`, host: 'lab-box.example' })).reset).toBe(false);
    expect(await rawRequest(s.port, { target: `/?token=${s.token}`, host: 'lab-box.example' })).toMatchObject({ status: 200 });
    expect(await rawRequest(s.port, { target: '/', host: 'lab-box.example' })).toMatchObject({ status: 401 });
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const status = await engine.call('serving.start', { host: '0.0.0.0', port: 0, allowRemote: true });
    expect(await rawRequest(status.port!, { target: '/v1/models', host: 'lab-box.example', headers: { authorization: `Bearer ${status.apiKey}` } })).toMatchObject({ status: 200 });
    expect(await rawRequest(status.port!, { target: '/v1/models', host: 'lab-box.example' })).toMatchObject({ status: 401 });
  });
});
