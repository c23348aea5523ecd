import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { frameSchema } from '../../shared/contract/frames.js';
import type { AppInfo } from '../../shared/contract/index.js';
import { webSocketChannel, type WebSocketLike } from '../../shared/transport/websocket-channel.js';
import { Engine } from '../engine.js';
import { hostHeaderAllowed, isLoopbackHost } from './host-header.js';
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
/** The largest WebSocket message (one RPC frame) the engine reads; a bigger one closes the socket with 1009 (too big). */
export const MAX_RPC_MESSAGE_BYTES = 64 * 1024 * 1024;
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
    const url = requestUrl(req);
    if (!hostHeaderAllowed(req.headers.host, host)) return deny(res, 421, 'This address is not served here.');
    if (!url) return deny(res, 400, 'The request target is not a URL path.');
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

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_RPC_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined); // a peer that resets mid-handshake is its own problem, not the server's
    const url = requestUrl(req);
    const refusal = !hostHeaderAllowed(req.headers.host, host)
      ? '421 Misdirected Request'
      : !url || url.pathname !== '/ws'
        ? '404 Not Found'
        : !authorised(req) || !originAllowed(req)
          ? '401 Unauthorized'
          : null;
    if (refusal) {
      socket.write(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      (socket as Socket).destroySoon(); // after the answer is flushed
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      engine.attach(webSocketChannel(checkedFrames(ws)));
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

/** Whether a bind address is loopback (127.0.0.0/8, ::1, localhost); the one rule lives in host-header.ts. */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}

/** The request target as a URL, or null when it is not an origin-form path (`*`, an absolute URL, junk); `//x` is a path here, not a host. */
function requestUrl(req: http.IncomingMessage): URL | null {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(`http://placeholder${target}`);
  } catch {
    return null;
  }
}

/**
 * The socket as the frame channel sees it, minus what is not a frame: a message that is not JSON or not one of the
 * protocol's frames is answered with an INVALID_ARGUMENTS error frame (its own id when it has one, else 0, which no
 * client request uses) instead of vanishing. Socket errors (a message over MAX_RPC_MESSAGE_BYTES, invalid UTF-8 in
 * a text message) close that socket with the protocol's code (1009, 1007) and nothing else.
 */
function checkedFrames(ws: WebSocket): WebSocketLike {
  ws.on('error', () => undefined); // ws has already started closing the socket with the right code
  const refuse = (id: number, message: string) =>
    ws.send(JSON.stringify({ t: 'err', id, error: { code: 'INVALID_ARGUMENTS', message, hint: 'Send one protocol frame per message: {"t":"req","id":<integer>,"name":"<handler>","args":{…}}.' } }));
  return {
    get readyState() {
      return ws.readyState;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    addEventListener(type: 'message' | 'close', listener: (e: { data: unknown }) => void) {
      if (type === 'close') return void ws.on('close', () => listener({ data: undefined }));
      ws.on('message', (data: RawData) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        let text: string;
        let value: unknown;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          return refuse(0, 'The message is not valid UTF-8.');
        }
        try {
          value = JSON.parse(text);
        } catch {
          return refuse(0, 'The message is not valid JSON.');
        }
        if (!frameSchema.safeParse(value).success) {
          const id = (value as { id?: unknown } | null)?.id;
          return refuse(Number.isSafeInteger(id) ? (id as number) : 0, 'The message is not a protocol frame.');
        }
        listener({ data: text });
      });
    },
  } as WebSocketLike;
}

function hasToken(req: http.IncomingMessage, token: string): boolean {
  const url = requestUrl(req);
  const given = url?.searchParams.get('token') ?? readCookie(req.headers.cookie, COOKIE);
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
