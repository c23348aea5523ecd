import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../../shared/contract/roles.js';
import type { AuditLog } from '../audit/audit-log.js';
import { userQueries, type UserRow } from '../db/queries/users.js';
import type { Principal } from './call-scope.js';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptParams } from './passwords.js';

export interface UserView {
  id: number;
  name: string;
  role: Role;
  disabledAt: string | null;
  lockedUntil: string | null;
  failedAttempts: number;
  mustChangePassword: boolean;
  createdAt: string;
  createdBy: string;
}

export interface UserDirectoryOptions {
  now?: () => Date;
  /** A session unused this long ends (default 30 minutes). */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not (default 12 hours). */
  maxSessionMs?: number;
  /** Wrong passwords in a row that lock an account (default 5)… */
  maxFailures?: number;
  /** …for this long (default 15 minutes). */
  lockMs?: number;
  scrypt?: ScryptParams;
  /** Sees every audit entry appended (the engine emits `audit.appended`). */
  onAudit?: (entry: AuditEntry) => void;
}

export type LoginResult =
  | { ok: true; token: string; user: UserView }
  | { ok: false; reason: 'invalid' | 'locked'; lockedUntil?: string };

export const MIN_PASSWORD_LENGTH = 12;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Touch last_seen_at at most this often: every call would otherwise be a write. */
const TOUCH_EVERY_MS = 10_000;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Team mode's local accounts and sessions. Users are disabled, never deleted; every change is audited with who made it
 * (the CLI's OS user, or the signed-in user). Sign-in runs scrypt asynchronously; an unknown name costs the same
 * scrypt as a known one, so timing does not tell which names exist.
 */
export class UserDirectory {
  private readonly q;
  private readonly now: () => Date;
  readonly idleMs: number;
  private readonly maxSessionMs: number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly scrypt: ScryptParams;
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: AuditLog,
    private readonly opts: UserDirectoryOptions = {},
  ) {
    this.q = userQueries(db);
    this.now = opts.now ?? (() => new Date());
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.maxSessionMs = opts.maxSessionMs ?? 12 * 3600_000;
    this.maxFailures = opts.maxFailures ?? 5;
    this.lockMs = opts.lockMs ?? 15 * 60_000;
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
  }

  list(): UserView[] {
    return this.q.list().map(view);
  }

  get(name: string): UserView {
    return view(this.row(name));
  }

  activeCount(): number {
    return this.q.activeCount();
  }

  async add(name: string, role: string, password: string, by: string, opts: { mustChange?: boolean } = {}): Promise<UserView> {
    if (!NAME.test(name)) {
      throw new LatheError('INVALID_ARGUMENTS', `"${name}" is not a usable user name.`, 'Use 1–64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.');
    }
    const r = checkRole(role);
    checkPassword(password);
    if (this.q.byName(name)) {
      throw new LatheError('CONFLICT', `There is already a user named "${this.q.byName(name)!.name}" (names are never reused, disabled users included).`, 'Pick another name, or re-enable work for that person with `lathe users reset-password`.');
    }
    const hash = await hashPassword(password, this.scrypt);
    const at = this.iso();
    const id = this.tx(() => {
      const id = this.q.insert({ name, role: r, password_hash: hash, must_change_password: opts.mustChange ? 1 : 0, created_at: at, created_by: by, password_changed_at: at });
      this.log(by, 'user.add', id, { name, role: r });
      return id;
    });
    return view(this.q.byId(id)!);
  }

  disable(name: string, by: string): UserView {
    const u = this.row(name);
    if (u.disabled_at) return view(u);
    this.tx(() => {
      const at = this.iso();
      this.q.disable(u.id, at);
      const ended = this.q.endUserSessions(u.id, at);
      this.log(by, 'user.disable', u.id, { name: u.name, sessionsEnded: ended });
    });
    return view(this.q.byId(u.id)!);
  }

  setRole(name: string, role: string, by: string): UserView {
    const u = this.row(name);
    const r = checkRole(role);
    if (u.role === r) return view(u);
    this.tx(() => {
      this.q.setRole(u.id, r);
      this.log(by, 'user.role', u.id, { name: u.name, from: u.role, to: r });
    });
    return view(this.q.byId(u.id)!);
  }

  /** A new password set by an admin: the user must change it at the next sign-in; their sessions end; a lock is lifted. */
  async resetPassword(name: string, password: string, by: string): Promise<UserView> {
    const u = this.row(name);
    checkPassword(password);
    const hash = await hashPassword(password, this.scrypt);
    this.tx(() => {
      const at = this.iso();
      this.q.setPassword(u.id, hash, true, at);
      const ended = this.q.endUserSessions(u.id, at);
      this.log(by, 'user.password_reset', u.id, { name: u.name, sessionsEnded: ended });
    });
    return view(this.q.byId(u.id)!);
  }

  /** The signed-in user changes their own password (required after a one-time password). */
  async changePassword(token: string, current: string, next: string): Promise<void> {
    const session = this.q.sessionByToken(sha256Hex(token));
    const u = session && !session.ended_at ? this.q.byId(session.user_id) : undefined;
    if (!session || !u || u.disabled_at || !this.live(session)) throw unauthorized('Your session has ended.');
    if (!(await verifyPassword(current, u.password_hash))) {
      throw new LatheError('UNAUTHORIZED', 'The current password is wrong.', 'Type the password you signed in with.');
    }
    checkPassword(next);
    if (next === current) throw new LatheError('INVALID_ARGUMENTS', 'The new password is the same as the old one.', 'Choose another password.');
    const hash = await hashPassword(next, this.scrypt);
    this.tx(() => {
      this.q.setPassword(u.id, hash, false, this.iso());
      this.log(u.name, 'auth.password_changed', u.id, { name: u.name });
    });
  }

  /**
   * Checks a name and password. A wrong password counts against the account; the `maxFailures`-th in a row locks it
   * for `lockMs` (audited), and while locked even the right password is refused. Unknown names are not audited (they
   * would let anyone fill the log) but cost the same time.
   */
  async login(name: string, password: string): Promise<LoginResult> {
    const u = this.q.byName(name);
    if (!u || u.disabled_at) {
      this.dummyHash ??= hashPassword('not a password of anyone', this.scrypt);
      await verifyPassword(password, await this.dummyHash);
      if (u) this.log(u.name, 'auth.login_failed', u.id, { name: u.name, reason: 'account disabled' });
      return { ok: false, reason: 'invalid' };
    }
    const result = await this.attempt(u, password, 'auth.login_failed', (at) => {
      const token = randomBytes(32).toString('base64url');
      const sessionId = this.q.insertSession({
        token_sha256: sha256Hex(token), user_id: u.id, created_at: at, last_seen_at: at,
        expires_at: new Date(this.now().getTime() + this.maxSessionMs).toISOString(),
      });
      this.log(u.name, 'auth.login', u.id, { name: u.name, session: sessionId });
      return { token, user: view(this.q.byId(u.id)!) };
    });
    return result.ok ? { ok: true, ...result.value } : result;
  }

  /**
   * The signer's own password again at the moment of signing (21 CFR 11.200(a)): resolves when it matches; a wrong one
   * is audited and counts toward the lock like a failed sign-in. Throws UNAUTHORIZED (wrong, locked, disabled).
   */
  async confirmPassword(userId: number, password: string): Promise<void> {
    const u = this.q.byId(userId);
    if (!u || u.disabled_at) throw unauthorized('This account is disabled.');
    const result = await this.attempt(u, password, 'auth.signature_failed', () => undefined);
    if (result.ok) return;
    if (result.reason === 'locked') {
      throw new LatheError('UNAUTHORIZED', `Your account is locked after repeated wrong passwords, until ${result.lockedUntil!.slice(11, 16)} UTC; nothing was signed.`, 'Wait until then, or ask an admin to set a new password (`lathe users reset-password NAME`).');
    }
    throw new LatheError('UNAUTHORIZED', 'That is not your password; nothing was signed.', 'Sign with your own Lathe password; accounts lock after repeated wrong passwords.');
  }

  /** One password attempt: a lock in force refuses it; a wrong password is audited and may lock; a right one runs `onSuccess` in the same transaction. */
  private async attempt<T>(u: UserRow, password: string, failedAction: string, onSuccess: (at: string) => T): Promise<{ ok: true; value: T } | { ok: false; reason: 'invalid' | 'locked'; lockedUntil?: string }> {
    if (u.locked_until && u.locked_until > this.iso()) return { ok: false, reason: 'locked', lockedUntil: u.locked_until };
    const ok = await verifyPassword(password, u.password_hash);
    return this.tx(() => {
      const fresh = this.q.byId(u.id)!;
      const at = this.iso();
      if (fresh.locked_until && fresh.locked_until > at) return { ok: false as const, reason: 'locked' as const, lockedUntil: fresh.locked_until };
      if (fresh.locked_until) this.q.clearFailures(u.id); // a lock that ran out starts a fresh count
      if (!ok) {
        const failures = this.q.addFailure(u.id);
        this.log(u.name, failedAction, u.id, { name: u.name, reason: 'wrong password', failures });
        if (failures >= this.maxFailures) {
          const until = new Date(this.now().getTime() + this.lockMs).toISOString();
          this.q.lock(u.id, until);
          this.log(u.name, 'auth.locked', u.id, { name: u.name, failures, until });
          return { ok: false as const, reason: 'locked' as const, lockedUntil: until };
        }
        return { ok: false as const, reason: 'invalid' as const };
      }
      this.q.clearFailures(u.id);
      return { ok: true as const, value: onSuccess(at) };
    });
  }

  /**
   * The user behind a session cookie's token, for one request. Throws UNAUTHORIZED when there is no such session, it
   * was signed out, it sat idle past the timeout or its lifetime, or the account is disabled. Touches the session.
   * With `allowPasswordChange` a session that must still change its one-time password passes (the page needs that).
   */
  resolve(token: string, opts: { allowPasswordChange?: boolean } = {}): { principal: Principal; user: UserView; sessionId: number } {
    const session = this.q.sessionByToken(sha256Hex(token));
    if (!session || session.ended_at) throw unauthorized('You are not signed in.');
    const u = this.q.byId(session.user_id);
    if (!u || u.disabled_at) throw unauthorized('This account is disabled.');
    if (!this.live(session)) {
      this.q.endSession(session.id, this.iso());
      throw unauthorized('Your session has ended after a period without activity.');
    }
    if (u.must_change_password && !opts.allowPasswordChange) {
      throw new LatheError('UNAUTHORIZED', 'Change your one-time password before you go on.', 'Sign in again and choose a new password.');
    }
    const now = this.now().getTime();
    if (now - Date.parse(session.last_seen_at) > TOUCH_EVERY_MS) this.q.touchSession(session.id, this.iso());
    const role = u.role as Role;
    return { principal: { userId: u.id, name: u.name, role, permissions: new Set(ROLE_PERMISSIONS[role]) }, user: view(u), sessionId: session.id };
  }

  /** Whether a token still names a live session, without touching it (the server's sweep of open sockets). */
  isLive(token: string): boolean {
    const session = this.q.sessionByToken(sha256Hex(token));
    const u = session && !session.ended_at ? this.q.byId(session.user_id) : undefined;
    return !!session && !!u && !u.disabled_at && this.live(session);
  }

  logout(token: string): boolean {
    const session = this.q.sessionByToken(sha256Hex(token));
    if (!session || session.ended_at) return false;
    const u = this.q.byId(session.user_id)!;
    this.tx(() => {
      this.q.endSession(session.id, this.iso());
      this.log(u.name, 'auth.logout', u.id, { name: u.name, session: session.id });
    });
    return true;
  }

  /** One transaction; then the audit witness catches up with the entries it appended (audit/audit-witness.ts). */
  private tx<T>(fn: () => T): T {
    const out = this.db.transaction(fn)();
    this.audit.syncWitness();
    return out;
  }

  private live(s: { last_seen_at: string; expires_at: string }): boolean {
    const now = this.now().getTime();
    return now - Date.parse(s.last_seen_at) < this.idleMs && now < Date.parse(s.expires_at);
  }

  private row(name: string): UserRow {
    const u = this.q.byName(name);
    if (!u) throw new LatheError('NOT_FOUND', `There is no user named "${name}".`, 'See `lathe users list`.');
    return u;
  }

  private iso(): string {
    return this.now().toISOString();
  }

  private log(actor: string, action: string, userId: number, details: Record<string, unknown>): void {
    const entry = this.audit.append({ actor, action, objectType: 'user', objectId: String(userId), details });
    this.opts.onAudit?.(entry);
  }
}

function view(u: UserRow): UserView {
  return {
    id: u.id, name: u.name, role: u.role as Role, disabledAt: u.disabled_at, lockedUntil: u.locked_until, failedAttempts: u.failed_attempts,
    mustChangePassword: u.must_change_password === 1, createdAt: u.created_at, createdBy: u.created_by,
  };
}

function checkRole(role: string): Role {
  if (!isRole(role)) throw new LatheError('INVALID_ARGUMENTS', `There is no role "${role}".`, `Use one of: ${ROLES.join(', ')}.`);
  return role;
}

function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new LatheError('INVALID_ARGUMENTS', `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`, 'Use a longer passphrase, or let `lathe users` make one.');
  }
  if (Buffer.byteLength(password) > 1024) throw new LatheError('INVALID_ARGUMENTS', 'A password may have at most 1024 bytes.', 'Use a shorter passphrase.');
}

function unauthorized(message: string): LatheError {
  return new LatheError('UNAUTHORIZED', message, 'Sign in again.');
}
