import { create } from 'zustand';
import type { LatheErrorData, SessionUser } from '../../src/shared/contract/index.js';
import { roleHas, type Permission, type Role } from '../../src/shared/contract/roles.js';
import * as authHttp from '../features/auth/auth-http.js';
import { useConnection } from './connection.js';

/**
 * Who is using this page, and whether the link to the engine may open yet.
 *
 * - `checking`: browser mode, GET /auth/session not answered yet (nothing is drawn).
 * - `local`: Electron, or a single-user browser page (the token): the app, exactly as before team mode.
 * - `sign-in`: team mode without a session: the sign-in page; no link is open.
 * - `change-password`: signed in with a one-time password, which must be replaced before the data opens.
 * - `app`: team mode, signed in: the app, its calls made as `user`.
 *
 * The link opens at most once per page load. Leaving a session (signing out, or the engine ending it) reloads the
 * page, so nothing one user loaded stays in memory for the next; a note for the sign-in page survives the reload in
 * sessionStorage.
 */
export type SessionPhase = 'checking' | 'local' | 'sign-in' | 'change-password' | 'app';

/** Why the sign-in page is showing again, said once on it. */
export type SessionNote = 'ended' | 'signed-out';

interface SessionStore {
  phase: SessionPhase;
  /** True in team mode (`lathe serve --team`). */
  team: boolean;
  user: SessionUser | null;
  idleMinutes: number | null;
  note: SessionNote | null;
  /** A request to /auth/* is under way. */
  busy: boolean;
  /** The last refusal from /auth/* (login, password change, logout), as the server worded it. */
  error: LatheErrorData | null;
  /** The HTTP status of that refusal: 423 is a locked account. */
  errorStatus: number | null;
  /**
   * The one-time password just typed on the sign-in page, kept in memory only until it is replaced, so the
   * password step does not ask for it twice. Null after a reload (the step then asks for it).
   */
  currentPassword: string | null;
  signIn(name: string, password: string): Promise<boolean>;
  changePassword(current: string, next: string): Promise<boolean>;
  signOut(): Promise<boolean>;
  clearError(): void;
}

const NOTE_KEY = 'lathe.session-note';

interface Controller {
  openLink(): () => void;
  fetch: authHttp.FetchLike | undefined;
  reload(): void;
  closeLink: (() => void) | null;
  stopWatch: (() => void) | null;
  /** Set once the page is on its way to a reload. */
  leaving: boolean;
}

let controller: Controller | null = null;

export const useSession = create<SessionStore>((set, get) => ({
  phase: 'checking',
  team: false,
  user: null,
  idleMinutes: null,
  note: null,
  busy: false,
  error: null,
  errorStatus: null,
  currentPassword: null,

  async signIn(name, password) {
    if (get().busy) return false;
    set({ busy: true, error: null, errorStatus: null });
    const r = await authHttp.login(name, password, controller?.fetch);
    if (!r.ok) {
      set({ busy: false, error: r.error, errorStatus: r.status });
      return false;
    }
    set({ note: null, user: r.value.user, team: true });
    if (r.value.mustChangePassword) {
      set({ busy: false, phase: 'change-password', currentPassword: password });
    } else {
      // The idle timeout is only in the session answer; ask for it (the session cookie is set by now).
      const check = await authHttp.checkSession(controller?.fetch);
      set({ busy: false, ...(check.kind === 'signed-in' ? { idleMinutes: check.idleMinutes } : {}) });
      enterApp();
    }
    return true;
  },

  async changePassword(current, next) {
    if (get().busy) return false;
    set({ busy: true, error: null, errorStatus: null });
    const r = await authHttp.changePassword(current, next, controller?.fetch);
    if (!r.ok) {
      // A session that ran out on this step (idle, or ended by an admin) starts again at the sign-in page.
      if (r.status === 401 && (await authHttp.checkSession(controller?.fetch)).kind === 'signed-out') {
        leave('ended');
        return false;
      }
      set({ busy: false, error: r.error, errorStatus: r.status });
      return false;
    }
    set({ busy: false, currentPassword: null });
    enterApp();
    return true;
  },

  async signOut() {
    if (get().busy) return false;
    set({ busy: true, error: null, errorStatus: null });
    // The engine closes this page's socket (4401) as it signs out: that is not a session that ended by itself.
    const c = controller;
    const watching = !!c?.stopWatch;
    c?.stopWatch?.();
    if (c) c.stopWatch = null;
    const r = await authHttp.logout(c?.fetch);
    if (!r.ok) {
      if (c && watching && c.closeLink) c.stopWatch = watchLink(c);
      set({ busy: false, error: r.error, errorStatus: r.status });
      return false;
    }
    leave('signed-out');
    return true;
  },

  clearError() {
    set({ error: null, errorStatus: null });
  },
}));

function takeNote(): SessionNote | null {
  try {
    const note = sessionStorage.getItem(NOTE_KEY);
    sessionStorage.removeItem(NOTE_KEY);
    return note === 'ended' || note === 'signed-out' ? note : null;
  } catch {
    return null; // storage can be disabled; the page then simply says nothing about why
  }
}

function keepNote(note: SessionNote): void {
  try {
    sessionStorage.setItem(NOTE_KEY, note);
  } catch {
    // see takeNote
  }
}

/** Opens the link to the engine (once) and shows the app. */
function enterApp(): void {
  const c = controller;
  if (!c || c.closeLink) return;
  c.closeLink = c.openLink(); // before the app renders: its stores need the client
  const team = useSession.getState().team;
  useSession.setState({ phase: team ? 'app' : 'local', error: null, errorStatus: null });
  if (team) c.stopWatch = watchLink(c);
}

/** Ends this page's use of the session: close the link, then start afresh on the sign-in page. */
function leave(note: SessionNote): void {
  const c = controller;
  if (!c || c.leaving) return;
  c.leaving = true;
  c.stopWatch?.();
  c.stopWatch = null;
  c.closeLink?.();
  c.closeLink = null;
  keepNote(note);
  useSession.setState({ phase: 'checking', user: null, busy: false });
  c.reload();
}

/**
 * Team mode: whenever the link drops or a reconnect fails (the engine closes a signed-out or idle session's socket
 * with 4401, and refuses its upgrade with 401), ask the server whether the session still lives. When it does not,
 * the sign-in page comes back instead of reconnecting for ever; when it does (or the server is away), the link's own
 * reconnect carries on as usual.
 */
function watchLink(c: Controller): () => void {
  let lastAttempt = 0;
  let asking = false;
  let stopped = false;
  const ask = async () => {
    if (asking) return;
    asking = true;
    try {
      const check = await authHttp.checkSession(c.fetch);
      if (!stopped && check.kind === 'signed-out') leave('ended');
    } finally {
      asking = false;
    }
  };
  const off = useConnection.subscribe((s) => {
    if (s.status === 'open') {
      lastAttempt = 0;
      return;
    }
    if (s.attempt > 0 && s.attempt !== lastAttempt) {
      lastAttempt = s.attempt;
      void ask();
    }
  });
  return () => {
    stopped = true;
    off();
  };
}

export interface BindSessionOptions {
  /** Electron hands the page its link through the preload: no sign-in there. */
  electron?: boolean;
  fetch?: authHttp.FetchLike;
  reload?: () => void;
}

/**
 * Decides, once per page load, whether this page signs in first. `openLink` connects to the engine and binds the
 * stores, returning the function that undoes it; it is called when the app may show (at once in Electron, after the
 * session check in a browser). Returns the function that closes everything.
 */
export function bindSession(openLink: () => () => void, opts: BindSessionOptions = {}): () => void {
  const c: Controller = {
    openLink,
    fetch: opts.fetch,
    reload: opts.reload ?? (() => window.location.reload()),
    closeLink: null,
    stopWatch: null,
    leaving: false,
  };
  controller = c;
  let disposed = false;
  if (opts.electron) {
    useSession.setState({ phase: 'local', team: false });
    enterApp();
  } else {
    useSession.setState({ phase: 'checking' });
    const note = takeNote();
    void authHttp.checkSession(c.fetch).then((check) => {
      if (disposed) return;
      if (check.kind === 'local') {
        useSession.setState({ team: false });
        enterApp();
      } else if (check.kind === 'signed-out') {
        useSession.setState({ phase: 'sign-in', team: true, user: null, note });
      } else {
        useSession.setState({ team: true, user: check.user, idleMinutes: check.idleMinutes, note: null });
        if (check.mustChangePassword) useSession.setState({ phase: 'change-password', currentPassword: null });
        else enterApp();
      }
    });
  }
  return () => {
    disposed = true;
    c.stopWatch?.();
    c.closeLink?.();
    c.stopWatch = null;
    c.closeLink = null;
    if (controller === c) controller = null;
  };
}

/** The signed-in user's name in team mode (reviews and release decisions are recorded under it); null elsewhere. */
export function useSignedInName(): string | null {
  return useSession((s) => (s.team && s.user ? s.user.name : null));
}

/**
 * Whether the signed-in user's role holds a permission (team mode). Always true elsewhere: one local user may do
 * everything. The engine checks every call itself; this only keeps the interface from offering what would be refused.
 */
export function useCan(permission: Permission): boolean {
  return useSession((s) => !s.team || !s.user || roleHas(s.user.role, permission));
}

/** The signed-in user's role in team mode, for "your role cannot…" notes; null elsewhere. */
export function useSignedInRole(): Role | null {
  return useSession((s) => (s.team && s.user ? s.user.role : null));
}
