import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { LatheClient } from '../../shared/contract/index.js';
import { RpcClient } from '../../shared/transport/rpc-client.js';
import { webSocketChannel, type WebSocketLike } from '../../shared/transport/websocket-channel.js';
import { startBrowserServer, type BrowserServer } from './browser-server.js';
import { migrations } from '../db/migrations/index.js';

let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(): Promise<BrowserServer> {
  const rendererDir = tempDir('lathe-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(path.dirname(rendererDir), 'secret.txt'), 'do not serve');
  server = await startBrowserServer({ dataDir: tempDir(), rendererDir, mode: 'test' });
  return server;
}

function rawGet(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function connectWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser mode server', () => {
  it('binds to loopback and prints a URL that carries the token', async () => {
    const s = await start();
    expect(s.host).toBe('127.0.0.1');
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/?token=${s.token}`);
    expect(s.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses pages, assets and sockets without the token', async () => {
    const s = await start();
    expect((await rawGet(s.port, '/')).status).toBe(401);
    expect((await rawGet(s.port, '/assets/app.js')).body).toMatch(/access token/);
    expect((await rawGet(s.port, '/?token=wrong-token')).status).toBe(401);
    await expect(connectWs(`ws://127.0.0.1:${s.port}/ws`)).rejects.toThrow(/401/);
    await expect(connectWs(`ws://127.0.0.1:${s.port}/ws?token=nope`)).rejects.toThrow(/401/);
  });

  it('serves the renderer with the token, then by cookie, with a strict CSP', async () => {
    const s = await start();
    const res = await fetch(s.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe(`lathe_token=${s.token}`);
    const asset = await rawGet(s.port, '/assets/app.js', { cookie });
    expect(asset).toEqual({ status: 200, body: 'console.log(1)' });
  });

  it('refuses path traversal and foreign Host headers (DNS rebinding)', async () => {
    const s = await start();
    const traversal = await rawGet(s.port, `/..%2fsecret.txt?token=${s.token}`);
    expect(traversal.body).not.toMatch(/do not serve/);
    const rebinding = await rawGet(s.port, `/?token=${s.token}`, { host: 'evil.example:80' });
    expect(rebinding.status).toBe(421);
  });

  it('speaks the contract over the WebSocket, checking arguments at the boundary', async () => {
    const s = await start();
    const ws = await connectWs(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`);
    const client: LatheClient = new RpcClient(webSocketChannel(ws as unknown as WebSocketLike));
    const info = await client.send('app.info', {});
    expect(info).toMatchObject({ name: 'Lathe', mode: 'test', dbWritable: true, dbSchemaVersion: migrations.length });
    const entries = await client.send('audit.list', { limit: 5 });
    expect(entries.entries[0]).toMatchObject({ action: 'app.start' });
    await expect(client.send('audit.list', { limit: 'all' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    ws.close();
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    const s = await start();
    await expect(
      connectWs(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`, { origin: 'http://evil.example' }),
    ).rejects.toThrow(/401/);
  });
});
