import type http from 'node:http';
import { LatheError, toErrorData } from '../../shared/contract/errors.js';
import type { UserDirectory } from '../auth/users.js';
import { afterBody } from './request-body.js';

/** The session cookie of team mode: a random token (only its sha256 is stored), HttpOnly, SameSite=Strict, Path=/. */
export const SESSION_COOKIE = 'lathe_session';
/** The largest body /auth/* reads; a name and a password fit many times over. */
export const MAX_AUTH_BODY_BYTES = 8 * 1024;

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

export function sessionToken(req: http.IncomingMessage): string | null {
  const t = readCookie(req.headers.cookie, SESSION_COOKIE);
  return t && /^[A-Za-z0-9_-]{20,100}$/.test(t) ? t : null;
}

/**
 * A browser sends Origin on every POST and on WebSocket upgrades; it must be this server's own page. A request without
 * one comes from a non-browser client (curl, the CLI, tests), which cannot be made to carry a victim's cookie.
 */
export function originAllowed(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function cookie(value: string, secure: boolean, maxAgeS?: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}${maxAgeS !== undefined ? `; Max-Age=${maxAgeS}` : ''}`;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(JSON.stringify(body));
}

function fail(res: http.ServerResponse, status: number, err: LatheError, headers: Record<string, string> = {}): void {
  json(res, status, { error: toErrorData(err) }, headers);
}

/**
 * The body as JSON, refusing more than MAX_AUTH_BODY_BYTES (413) and anything but application/json (415). A refusal
 * is given once the rest of the body has arrived (and been discarded), so the client reads it instead of a reset.
 */
function readJson(req: http.IncomingMessage): Promise<{ status: number; value?: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const refuse = (status: number) => afterBody(req, () => resolve({ status }));
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return refuse(415);
    if (Number(req.headers['content-length'] ?? 0) > MAX_AUTH_BODY_BYTES) return refuse(413);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_AUTH_BODY_BYTES) chunks.push(c); // past the limit the rest is read and dropped
    });
    req.on('error', () => resolve({ status: 400 }));
    req.on('end', () => {
      if (size > MAX_AUTH_BODY_BYTES) return resolve({ status: 413 });
      try {
        const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        resolve(value && typeof value === 'object' && !Array.isArray(value) ? { status: 200, value: value as Record<string, unknown> } : { status: 400 });
      } catch {
        resolve({ status: 400 });
      }
    });
  });
}

const str = (v: unknown, max: number) => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);

export interface AuthRoutes {
  users: UserDirectory;
  secure: boolean;
  /** Ends the sockets of a session that signed out. */
  endSockets(token: string): void;
  /** After a change that appended audit entries: tell the engine (event, witness). */
  afterWrite(): void;
}

/**
 * Team mode's sign-in endpoints:
 * - POST /auth/login {name, password} → 200 {user, mustChangePassword} and the session cookie; 401 wrong name or
 *   password (one answer for both); 423 locked after repeated failures.
 * - POST /auth/logout → ends the session and its sockets, clears the cookie.
 * - GET /auth/session → 200 {user, mustChangePassword, idleMinutes} or 401: how the page knows to show the sign-in form.
 * - POST /auth/password {current, next} → changes the signed-in user's password (required after a one-time password).
 * State-changing requests are POST with a JSON body (a cross-site form cannot send one) and a matching Origin when a
 * browser sends one (403 otherwise); the cookie is SameSite=Strict besides.
 */
export async function handleAuthRoute(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, r: AuthRoutes): Promise<void> {
  const route = pathname.slice('/auth/'.length);
  const post = route === 'login' || route === 'logout' || route === 'password';
  // The server has read every body but those of POST /auth/login and /auth/password: readJson reads those, and a
  // refusal before it waits for the body's end (request-body.ts).
  if (!post && route !== 'session') return fail(res, 404, new LatheError('NOT_FOUND', 'No such page.', 'Use /auth/login, /auth/logout, /auth/session or /auth/password.'));
  if (post ? req.method !== 'POST' : req.method !== 'GET') {
    return fail(res, 405, new LatheError('INVALID_ARGUMENTS', `${req.method} is not allowed here.`, post ? 'Use POST.' : 'Use GET.'), { Allow: post ? 'POST' : 'GET' });
  }
  if (post && !originAllowed(req)) {
    return afterBody(req, () => fail(res, 403, new LatheError('FORBIDDEN', 'This request came from another site.', 'Sign in from Lathe’s own page.')));
  }
  const token = sessionToken(req);
  if (route === 'session') {
    try {
      if (!token) throw new LatheError('UNAUTHORIZED', 'You are not signed in.', 'Sign in with your Lathe user name and password.');
      const { user } = r.users.resolve(token, { allowPasswordChange: true });
      return json(res, 200, { user: { id: user.id, name: user.name, role: user.role }, mustChangePassword: user.mustChangePassword, idleMinutes: r.users.idleMs / 60_000 });
    } catch (err) {
      return fail(res, 401, err instanceof LatheError ? err : new LatheError('UNAUTHORIZED', 'You are not signed in.', 'Sign in again.'));
    }
  }
  if (route === 'logout') {
    if (token && r.users.logout(token)) {
      r.endSockets(token);
      r.afterWrite();
    }
    return json(res, 200, { signedOut: true }, { 'Set-Cookie': cookie('', r.secure, 0) });
  }
  const body = await readJson(req);
  if (!body.value) {
    const why = body.status === 413 ? 'The request is too large.' : body.status === 415 ? 'Send the form as application/json.' : 'The request is not a JSON object.';
    return fail(res, body.status === 200 ? 400 : body.status, new LatheError('INVALID_ARGUMENTS', why, 'Sign in from Lathe’s own page.'));
  }
  try {
    if (route === 'login') {
      const name = str(body.value.name, 64);
      const password = str(body.value.password, 1024);
      if (!name || !password) return fail(res, 400, new LatheError('INVALID_ARGUMENTS', 'Give a user name and a password.', 'Both fields are required.'));
      const result = await r.users.login(name, password);
      r.afterWrite();
      if (!result.ok && result.reason === 'locked') {
        const until = result.lockedUntil!.slice(11, 16);
        return fail(res, 423, new LatheError('UNAUTHORIZED', `This account is locked after repeated wrong passwords, until ${until} UTC.`, 'Wait until then, or ask an admin to set a new password (`lathe users reset-password NAME`).'));
      }
      if (!result.ok) return fail(res, 401, new LatheError('UNAUTHORIZED', 'Wrong user name or password.', 'Check both and try again; accounts lock after repeated wrong passwords.'));
      return json(res, 200, { user: { id: result.user.id, name: result.user.name, role: result.user.role }, mustChangePassword: result.user.mustChangePassword }, { 'Set-Cookie': cookie(result.token, r.secure) });
    }
    // route === 'password'
    if (!token) return fail(res, 401, new LatheError('UNAUTHORIZED', 'You are not signed in.', 'Sign in first.'));
    const current = str(body.value.current, 1024);
    const next = str(body.value.next, 1024);
    if (!current || !next) return fail(res, 400, new LatheError('INVALID_ARGUMENTS', 'Give the current and the new password.', 'Both fields are required.'));
    await r.users.changePassword(token, current, next);
    r.afterWrite();
    return json(res, 200, { changed: true });
  } catch (err) {
    const data = toErrorData(err);
    return json(res, data.code === 'UNAUTHORIZED' ? 401 : data.code === 'INVALID_ARGUMENTS' ? 400 : 500, { error: data });
  }
}
