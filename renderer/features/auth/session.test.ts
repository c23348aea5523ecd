import { afterEach, describe, expect, it } from 'vitest';
import { initialConnectionState } from '../../api/connection-state.js';
import { useConnection } from '../../stores/connection.js';
import { bindSession, useSession } from '../../stores/session.js';
import { checkSession, type FetchLike } from './auth-http.js';

/** A fake server: each path answers with the next of its queued responses (the last one repeats). */
function fakeFetch(routes: Record<string, Array<() => Response>>): FetchLike & { calls: string[] } {
  const calls: string[] = [];
  const fn = (async (input: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${input}`);
    const queue = routes[input];
    if (!queue?.length) throw new TypeError('Failed to fetch');
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    return next();
  }) as FetchLike & { calls: string[] };
  fn.calls = calls;
  return fn;
}

const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => () => new Response(body, { status, headers: { 'Content-Type': type } });
const ada = { id: 1, name: 'ada', role: 'labeller' };
const notSignedIn = json(401, { error: { code: 'UNAUTHORIZED', message: 'You are not signed in.', hint: 'Sign in with your Lathe user name and password.' } });
const flush = () => new Promise((r) => setTimeout(r, 0));

let unbind: (() => void) | null = null;
afterEach(() => {
  unbind?.();
  unbind = null;
  useSession.setState({ phase: 'checking', team: false, user: null, note: null, busy: false, error: null, errorStatus: null, currentPassword: null });
  useConnection.setState({ ...initialConnectionState });
});

/** Binds a session whose link is a counter; returns how often it opened/closed and how often the page reloaded. */
function bind(fetchFn: FetchLike, electron = false) {
  const counts = { opened: 0, closed: 0, reloads: 0 };
  unbind = bindSession(
    () => {
      counts.opened += 1;
      return () => (counts.closed += 1);
    },
    { fetch: fetchFn, electron, reload: () => (counts.reloads += 1) },
  );
  return counts;
}

describe('checkSession: only a JSON answer means team mode', () => {
  it('classifies the answers', async () => {
    expect(await checkSession(fakeFetch({ '/auth/session': [json(200, { user: ada, mustChangePassword: false, idleMinutes: 30 })] }))).toEqual({
      kind: 'signed-in', user: ada, mustChangePassword: false, idleMinutes: 30,
    });
    expect(await checkSession(fakeFetch({ '/auth/session': [notSignedIn] }))).toMatchObject({ kind: 'signed-out', error: { code: 'UNAUTHORIZED' } });
    // Token mode: the page itself (SPA fallback), or the plain-text refusal without a token; the dev server; no server.
    expect(await checkSession(fakeFetch({ '/auth/session': [text(200, '<!doctype html>', 'text/html')] }))).toEqual({ kind: 'local' });
    expect(await checkSession(fakeFetch({ '/auth/session': [text(401, 'Lathe needs its access token.')] }))).toEqual({ kind: 'local' });
    expect(await checkSession(fakeFetch({ '/auth/session': [text(404, 'Not found')] }))).toEqual({ kind: 'local' });
    expect(await checkSession(fakeFetch({ '/auth/session': [json(401, { nope: true })] }))).toEqual({ kind: 'local' });
    expect(await checkSession(fakeFetch({}))).toEqual({ kind: 'local' });
  });
});

describe('bindSession', () => {
  it('Electron: the app at once, no request', () => {
    const f = fakeFetch({});
    const counts = bind(f, true);
    expect(useSession.getState()).toMatchObject({ phase: 'local', team: false });
    expect(counts.opened).toBe(1);
    expect(f.calls).toEqual([]);
  });

  it('token mode: the app after the check, exactly as before', async () => {
    const counts = bind(fakeFetch({ '/auth/session': [text(200, '<!doctype html>', 'text/html')] }));
    expect(useSession.getState().phase).toBe('checking');
    expect(counts.opened).toBe(0);
    await flush();
    expect(useSession.getState()).toMatchObject({ phase: 'local', team: false });
    expect(counts.opened).toBe(1);
  });

  it('team mode: sign-in page, a wrong password, then the password step, then the app', async () => {
    const f = fakeFetch({
      '/auth/session': [notSignedIn],
      '/auth/login': [
        json(401, { error: { code: 'UNAUTHORIZED', message: 'Wrong user name or password.', hint: 'Check both and try again.' } }),
        json(200, { user: ada, mustChangePassword: true }),
      ],
      '/auth/password': [json(200, { changed: true })],
    });
    const counts = bind(f);
    await flush();
    expect(useSession.getState()).toMatchObject({ phase: 'sign-in', team: true });
    expect(counts.opened).toBe(0);

    expect(await useSession.getState().signIn('ada', 'wrong')).toBe(false);
    expect(useSession.getState()).toMatchObject({ phase: 'sign-in', busy: false, errorStatus: 401, error: { message: 'Wrong user name or password.' } });

    expect(await useSession.getState().signIn('ada', 'one-time-pw')).toBe(true);
    expect(useSession.getState()).toMatchObject({ phase: 'change-password', user: ada, currentPassword: 'one-time-pw', error: null });
    expect(counts.opened).toBe(0); // no data before the new password

    expect(await useSession.getState().changePassword('one-time-pw', 'a brand new passphrase')).toBe(true);
    expect(useSession.getState()).toMatchObject({ phase: 'app', currentPassword: null });
    expect(counts.opened).toBe(1);
  });

  it('a session that runs out on the password step goes back to the sign-in page', async () => {
    const f = fakeFetch({
      '/auth/session': [json(200, { user: ada, mustChangePassword: true, idleMinutes: 30 }), notSignedIn],
      '/auth/password': [json(401, { error: { code: 'UNAUTHORIZED', message: 'Your session has ended.', hint: 'Sign in again.' } })],
    });
    const counts = bind(f);
    await flush();
    expect(useSession.getState()).toMatchObject({ phase: 'change-password', currentPassword: null }); // after a reload: asks for it
    expect(await useSession.getState().changePassword('one-time-pw', 'a brand new passphrase')).toBe(false);
    expect(counts).toEqual({ opened: 0, closed: 0, reloads: 1 });
  });

  it('a locked account keeps the 423', async () => {
    bind(fakeFetch({
      '/auth/session': [notSignedIn],
      '/auth/login': [json(423, { error: { code: 'UNAUTHORIZED', message: 'This account is locked after repeated wrong passwords, until 10:15 UTC.', hint: 'Wait.' } })],
    }));
    await flush();
    await useSession.getState().signIn('ada', 'x');
    expect(useSession.getState()).toMatchObject({ phase: 'sign-in', errorStatus: 423 });
  });

  it('a dropped link whose session ended (4401) closes the link and reloads to the sign-in page, once', async () => {
    const f = fakeFetch({ '/auth/session': [json(200, { user: ada, mustChangePassword: false, idleMinutes: 30 }), notSignedIn] });
    const counts = bind(f);
    await flush();
    expect(useSession.getState()).toMatchObject({ phase: 'app', user: ada, idleMinutes: 30 });
    useConnection.setState({ status: 'open', attempt: 0 });
    useConnection.setState({ status: 'lost', attempt: 1, retryAt: Date.now() + 500 });
    useConnection.setState({ status: 'lost', attempt: 1, retryAt: null }); // the retry starting: no second question
    await flush();
    await flush();
    expect(f.calls.filter((c) => c === 'GET /auth/session')).toHaveLength(2);
    expect(counts).toEqual({ opened: 1, closed: 1, reloads: 1 });
    expect(useSession.getState().phase).toBe('checking');
    // Later drops of the closed link ask nothing more.
    useConnection.setState({ status: 'lost', attempt: 2 });
    await flush();
    expect(f.calls.filter((c) => c === 'GET /auth/session')).toHaveLength(2);
  });

  it('a dropped link whose session lives (a server restart) keeps reconnecting', async () => {
    const f = fakeFetch({ '/auth/session': [json(200, { user: ada, mustChangePassword: false, idleMinutes: 30 })] });
    const counts = bind(f);
    await flush();
    useConnection.setState({ status: 'lost', attempt: 1 });
    await flush();
    expect(counts).toEqual({ opened: 1, closed: 0, reloads: 0 });
    expect(useSession.getState().phase).toBe('app');
  });

  it('signing out: the engine closing the socket on the way is not "session ended"', async () => {
    const f = fakeFetch({ '/auth/session': [json(200, { user: ada, mustChangePassword: false, idleMinutes: 30 }), notSignedIn], '/auth/logout': [json(200, { signedOut: true })] });
    const counts = bind(f);
    await flush();
    const out = useSession.getState().signOut();
    useConnection.setState({ status: 'lost', attempt: 1 });
    expect(await out).toBe(true);
    await flush();
    expect(f.calls).toEqual(['GET /auth/session', 'POST /auth/logout']);
    expect(counts).toEqual({ opened: 1, closed: 1, reloads: 1 });
  });
});
