import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { AppInfo } from '../../shared/contract/index.js';
import { webSocketChannel, type WebSocketLike } from '../../shared/transport/websocket-channel.js';
import { Engine } from '../engine.js';
import { contentType, resolveStatic } from './static-files.js';

export interface BrowserServerOptions {
  dataDir: string;
  port?: number;
  /** Loopback unless set explicitly; anything else makes the token the only protection. */
  host?: string;
  rendererDir: string;
  mode?: AppInfo['mode'];
  token?: string;
}

export interface BrowserServer {
  url: string;
  token: string;
  port: number;
  host: string;
  engine: Engine;
  close(): Promise<void>;
}

const COOKIE = 'lathe_token';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * Browser mode: the engine in a plain Node process, the built renderer over HTTP and the contract over a
 * WebSocket, on 127.0.0.1 with a random token. Every request — page, asset or socket — must carry the
 * token (in the URL the first time, then in an HttpOnly same-site cookie).
 */
export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const engine = Engine.open({ dataDir: opts.dataDir, mode: opts.mode ?? 'browser' });
  const authorised = (req: http.IncomingMessage) => hasToken(req, token);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (!hostAllowed(req, host)) return deny(res, 421, 'This address is not served here.');
    if (!authorised(req)) {
      return deny(res, 401, 'Lathe needs its access token. Open the full URL that `lathe serve` printed (it ends in ?token=…).');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const file = resolveStatic(opts.rendererDir, url.pathname) ?? resolveStatic(opts.rendererDir, '/');
    if (!file) {
      return deny(res, 503, `The interface is not built (${opts.rendererDir} has no index.html). Run \`npm run build:renderer\`.`);
    }
    res.writeHead(200, {
      'Content-Type': contentType(file),
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
    });
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== '/ws' || !hostAllowed(req, host) || !authorised(req) || !originAllowed(req)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      engine.attach(webSocketChannel(ws as unknown as WebSocketLike));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    host,
    engine,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      // close() alone waits for every open connection to end; a browser's keep-alive socket can hold it for
      // minutes. Cut them at once (the page reconnects to the next server by itself).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await engine.dispose();
    },
  };
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function hasToken(req: http.IncomingMessage, token: string): boolean {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const given = url.searchParams.get('token') ?? readCookie(req.headers.cookie, COOKIE);
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** On loopback, refuse Host headers naming other machines: a DNS-rebinding page cannot reach the engine. */
function hostAllowed(req: http.IncomingMessage, bound: string): boolean {
  if (!isLoopback(bound)) return true;
  const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return isLoopback(hostHeader);
}

/** A browser sends Origin on WebSocket upgrades; it must be this server's own page. */
function originAllowed(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (CLI, tests) still need the token
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function defaultRendererDir(root: string): string {
  return path.join(root, 'renderer', 'dist');
}

function deny(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(message + '\n');
}
