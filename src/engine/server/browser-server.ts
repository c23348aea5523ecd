import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { LatheError } from '../../shared/contract/errors.js';
import { frameSchema } from '../../shared/contract/frames.js';
import type { AppInfo } from '../../shared/contract/index.js';
import { webSocketChannel, type WebSocketLike } from '../../shared/transport/websocket-channel.js';
import { UserDirectory, type UserDirectoryOptions } from '../auth/users.js';
import { Engine } from '../engine.js';
import type { InferenceLink } from '../inference/inference-process.js';
import { serveDownload } from './download-route.js';
import { handleAuthRoute, originAllowed, readCookie, sessionToken } from './team-auth.js';
import { hostHeaderAllowed, isLoopbackHost } from './host-header.js';
import { afterBody } from './request-body.js';
import { contentType, resolveStatic } from './static-files.js';

export interface BrowserServerOptions {
  dataDir: string;
  port?: number;
  /** Loopback unless set explicitly; anything else makes the token the only protection. */
  host?: string;
  rendererDir: string;
  mode?: AppInfo['mode'];
  token?: string;
  /**
   * Team mode (`lathe serve --team`): sign-in with local accounts (`lathe users`) instead of the token; every call
   * runs as the signed-in user and is checked against its role (src/shared/contract/permissions.ts).
   */
  team?: boolean;
  /** Team-mode tuning: idle timeout, lockout, clock (tests). */
  users?: UserDirectoryOptions;
  /**
   * Folders besides the data folder a client may name in a path (import, export, model folders, the folder browser).
   * Always in force in team mode and on a non-loopback host; on loopback in token mode only when given.
   */
  allowDirs?: string[];
  /** PEM certificate and key: serve https. A non-loopback host needs this or `insecureHttp`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Serve plain http on a non-loopback host anyway (passwords, cookies and data cross the network in clear text). */
  insecureHttp?: boolean;
  /** The inference host to use (the desktop's utility process); a forked Node child by default. */
  inference?: InferenceLink;
}

export interface BrowserServer {
  url: string;
  /** The access token of single-user mode; empty in team mode, where sign-in replaces it. */
  token: string;
  team: boolean;
  /** Team mode's accounts and sessions; null in token mode. */
  users: UserDirectory | null;
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
  const team = opts.team ?? false;
  const secure = !!opts.tls;
  if (!isLoopbackHost(host) && !secure && !opts.insecureHttp) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `Serving on ${host} over plain http would send passwords, session cookies, tokens and your data in clear text to anyone on the network path.`,
      'Give --tls-cert FILE --tls-key FILE (or keep Lathe on 127.0.0.1 behind a TLS reverse proxy), or pass --insecure-http if the network is trusted.',
    );
  }
  const token = team ? '' : (opts.token ?? randomBytes(24).toString('base64url'));
  // Client paths are confined where more than one person, or the network, can reach the server (auth/file-access.ts).
  const restrict = team || !isLoopbackHost(host) || opts.allowDirs !== undefined;
  const engine = Engine.open({ dataDir: opts.dataDir, mode: opts.mode ?? 'browser', team, ...(restrict ? { allowDirs: opts.allowDirs ?? [] } : {}), ...(opts.inference ? { inference: opts.inference } : {}) });
  let users: UserDirectory | null = null;
  if (team) {
    if (!engine.ctx.db || !engine.ctx.audit) {
      await engine.dispose();
      throw new LatheError('DB_READ_ONLY', `Team mode needs the user accounts in the database, which failed its start-up check: ${engine.ctx.dbProblem}.`, 'Restore lathe.db from a backup or move it aside, then start again.');
    }
    const audit = engine.ctx.audit;
    users = new UserDirectory(engine.ctx.db, audit, { ...opts.users, onAudit: (e) => engine.ctx.events.emit('audit.appended', e) });
    engine.ctx.users = users;
    if (users.activeCount() === 0) {
      await engine.dispose();
      throw new LatheError('NOT_FOUND', 'Team mode has no users yet, so no one could sign in.', 'Add the first admin: lathe users add NAME --role admin (it prints a one-time password).');
    }
  }
  const authorised = (req: http.IncomingMessage) => hasToken(req, token);
  /** Team mode: the name of the session's user, or null without a live session. */
  const sessionUser = (req: http.IncomingMessage): string | null => {
    const session = sessionToken(req);
    if (!users || !session) return null;
    try {
      return users.resolve(session).principal.name;
    } catch {
      return null;
    }
  };
  /** Open sockets of team mode and the session token each was opened with. */
  const sockets = new Map<WebSocket, string>();
  const endSockets = (sessionToken: string | null) => {
    for (const [ws, t] of sockets) if (sessionToken === null ? !users?.isLive(t) : t === sessionToken) ws.close(4401, 'signed out');
  };
  // An idle session or a disabled account ends its sockets too (push events would otherwise keep flowing).
  const sweep = team ? setInterval(() => endSockets(null), 15_000) : null;
  sweep?.unref();

  // Only POST /auth/login and /auth/password read a request body (team-auth.ts, which waits for the end of what it
  // refuses); anything else is answered once its body, if any, has been read and discarded (request-body.ts).
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const readsBody = users !== null && req.method === 'POST' && /^\/auth\/(login|password)$/.test(requestUrl(req)?.pathname ?? '');
    if (readsBody) return answer(req, res);
    afterBody(req, () => answer(req, res));
  };
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = requestUrl(req);
    if (!hostHeaderAllowed(req.headers.host, host)) return deny(res, 421, 'This address is not served here.');
    if (!url) return deny(res, 400, 'The request target is not a URL path.');
    if (users && url.pathname.startsWith('/auth/')) {
      const u = users;
      void handleAuthRoute(req, res, url.pathname, { users: u, secure, endSockets, afterWrite: () => engine.ctx.audit?.syncWitness() }).catch(() => {
        if (!res.headersSent) deny(res, 500, 'Sign-in failed unexpectedly.');
        else res.destroy();
      });
      return;
    }
    // Team mode serves the page itself to anyone (it holds no data: it shows the sign-in form); the data needs a session.
    if (!team && !authorised(req)) {
      return deny(res, 401, 'Lathe needs its access token. Open the full URL that `lathe serve` printed (it ends in ?token=…).');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    if (url.pathname.startsWith('/download/')) {
      const actor = team ? sessionUser(req) : engine.ctx.actor;
      if (!actor) return deny(res, 401, 'Sign in to download.');
      return serveDownload(req, res, url.pathname.slice('/download/'.length), actor, engine.downloads);
    }
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
      ...(team ? {} : { 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}` }),
      ...(secure ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(file).pipe(res);
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_RPC_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined); // a peer that resets mid-handshake is its own problem, not the server's
    const url = requestUrl(req);
    const session = team ? sessionToken(req) : null;
    let principalOk = false;
    if (users && session) {
      try {
        users.resolve(session);
        principalOk = true;
      } catch {
        principalOk = false;
      }
    }
    const refusal = !hostHeaderAllowed(req.headers.host, host)
      ? '421 Misdirected Request'
      : !url || url.pathname !== '/ws'
        ? '404 Not Found'
        : !(team ? principalOk : authorised(req)) || !originAllowed(req)
          ? '401 Unauthorized'
          : null;
    if (refusal) {
      socket.write(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      (socket as Socket).destroySoon(); // after the answer is flushed
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!users || !session) return void engine.attach(webSocketChannel(checkedFrames(ws)));
      const u = users;
      sockets.set(ws, session);
      ws.on('close', () => sockets.delete(ws));
      // Every call on this socket is made as the session's user, looked up again each time (auth/call-scope.ts).
      const identity = () => {
        try {
          return u.resolve(session).principal;
        } catch (err) {
          setTimeout(() => ws.close(4401, 'signed out'), 20); // after the refusal's error frame
          throw err;
        }
      };
      engine.attach(webSocketChannel(checkedFrames(ws)), { identity });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${secure ? 'https' : 'http'}://${shownHost}:${port}/${team ? '' : `?token=${token}`}`,
    token,
    team,
    users,
    port,
    host,
    engine,
    async close() {
      if (sweep) clearInterval(sweep);
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



export function defaultRendererDir(root: string): string {
  return path.join(root, 'renderer', 'dist');
}

function deny(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(message + '\n');
}
