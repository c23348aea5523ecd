import { isErrorData, type LatheErrorData, type SessionUser } from '../../../src/shared/contract/index.js';
import { ROLES } from '../../../src/shared/contract/roles.js';

/**
 * Team mode's sign-in endpoints (src/engine/server/team-auth.ts), seen from the page: plain same-origin fetches, the
 * session itself lives in an HttpOnly cookie the page never reads.
 */

/** The shortest password the engine accepts (MIN_PASSWORD_LENGTH in src/engine/auth/users.ts, counted in characters). */
export const MIN_PASSWORD_LENGTH = 12;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface SignedIn {
  user: SessionUser;
  mustChangePassword: boolean;
  /** Minutes without activity after which the engine ends the session (from GET /auth/session). */
  idleMinutes: number | null;
}

/**
 * What GET /auth/session says about this page:
 * - `signed-in`: team mode with a live session;
 * - `signed-out`: team mode, no session (a JSON 401): show the sign-in page;
 * - `local`: anything else — token mode (the page itself or a plain-text 401), the Vite dev server, an engine without
 *   team mode, or no answer at all: carry on as a single-user page.
 */
export type SessionCheck = ({ kind: 'signed-in' } & SignedIn) | { kind: 'signed-out'; error: LatheErrorData } | { kind: 'local' };

export type AuthResult<T> = { ok: true; value: T } | { ok: false; status: number; error: LatheErrorData };

function defaultFetch(): FetchLike {
  return (input, init) => fetch(input, init);
}

async function readJson(res: Response): Promise<unknown> {
  if (!/^application\/json\b/i.test(res.headers.get('content-type') ?? '')) return undefined;
  try {
    return (await res.json()) as unknown;
  } catch {
    return undefined;
  }
}

function parseUser(value: unknown): SessionUser | null {
  const u = value as Partial<SessionUser> | null | undefined;
  if (!u || typeof u.name !== 'string' || typeof u.id !== 'number' || !(ROLES as readonly string[]).includes(u.role as string)) return null;
  return { id: u.id, name: u.name, role: u.role! };
}

function errorOf(body: unknown): LatheErrorData | null {
  const e = (body as { error?: unknown } | undefined)?.error;
  return isErrorData(e) ? e : null;
}

const unreachable: LatheErrorData = {
  code: 'TRANSPORT_CLOSED',
  message: 'Lathe’s server did not answer.',
  hint: 'Check that `lathe serve --team` is still running and that this computer can reach it, then try again.',
};

export async function checkSession(fetchFn: FetchLike = defaultFetch()): Promise<SessionCheck> {
  let res: Response;
  try {
    res = await fetchFn('/auth/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch {
    return { kind: 'local' }; // no answer: the link's own reconnect loop reports it, as before team mode existed
  }
  const body = await readJson(res);
  if (body === undefined) return { kind: 'local' };
  if (res.status === 200) {
    const user = parseUser((body as { user?: unknown }).user);
    if (!user) return { kind: 'local' };
    const b = body as { mustChangePassword?: unknown; idleMinutes?: unknown };
    return { kind: 'signed-in', user, mustChangePassword: b.mustChangePassword === true, idleMinutes: typeof b.idleMinutes === 'number' ? b.idleMinutes : null };
  }
  if (res.status === 401) {
    const error = errorOf(body);
    if (error) return { kind: 'signed-out', error };
  }
  return { kind: 'local' };
}

async function post<T>(path: string, body: unknown, parse: (json: unknown) => T | null, fetchFn: FetchLike): Promise<AuthResult<T>> {
  let res: Response;
  try {
    res = await fetchFn(path, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, error: unreachable };
  }
  const json = await readJson(res);
  if (res.ok) {
    const value = parse(json);
    if (value !== null) return { ok: true, value };
  }
  return {
    ok: false,
    status: res.status,
    error: errorOf(json) ?? {
      code: 'INTERNAL',
      message: `Lathe’s server answered ${res.status} ${res.statusText}`.trim() + '.',
      hint: 'Reload the page; if it happens again, check the output of `lathe serve --team`.',
    },
  };
}

/** POST /auth/login: 200 with the user (the cookie is set by the answer), 401 wrong name or password, 423 locked. */
export function login(name: string, password: string, fetchFn: FetchLike = defaultFetch()): Promise<AuthResult<Omit<SignedIn, 'idleMinutes'>>> {
  return post('/auth/login', { name, password }, (json) => {
    const user = parseUser((json as { user?: unknown } | undefined)?.user);
    return user ? { user, mustChangePassword: (json as { mustChangePassword?: unknown }).mustChangePassword === true } : null;
  }, fetchFn);
}

/** POST /auth/password: changes the signed-in user's own password. */
export function changePassword(current: string, next: string, fetchFn: FetchLike = defaultFetch()): Promise<AuthResult<true>> {
  return post('/auth/password', { current, next }, (json) => ((json as { changed?: unknown } | undefined)?.changed === true ? true : null), fetchFn);
}

/** POST /auth/logout: ends the session (and its sockets, with close code 4401) and clears the cookie. */
export function logout(fetchFn: FetchLike = defaultFetch()): Promise<AuthResult<true>> {
  return post('/auth/logout', {}, (json) => ((json as { signedOut?: unknown } | undefined)?.signedOut === true ? true : null), fetchFn);
}

/** A password's length as the engine counts it: in characters (code points), not UTF-16 units. */
export function passwordLength(password: string): number {
  return [...password].length;
}
