import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import { AuditLog } from '../audit/audit-log.js';
import { metaQueries } from '../db/queries/meta.js';
import { UserDirectory } from './users.js';

/**
 * The desktop app's "require sign-in" (issue 15), for a workstation several people share: when on, the app's window
 * shows the sign-in page of team mode and every call runs as the signed-in user with that user's role. Kept in the
 * data folder's database (app_meta), so it holds whoever starts the app; changed by the operator with
 * `lathe users require-sign-in on|off`, like the accounts themselves.
 *
 * What it protects: the next person at the window, who cannot act (or sign) in someone else's name. What it does not:
 * anyone who can read the OS user's files can open lathe.db directly; disk encryption and OS accounts cover that.
 */
const KEY = 'desktop.requireSignIn';

export function requireSignIn(db: Database.Database): boolean {
  return metaQueries(db).get(KEY) === '1';
}

/** Turns it on or off (audited). On needs an active admin account, or no one could sign in to manage the rest. */
export function setRequireSignIn(db: Database.Database, on: boolean, by: string): void {
  const audit = new AuditLog(db);
  if (on && !new UserDirectory(db, audit).list().some((u) => u.role === 'admin' && !u.disabledAt)) {
    throw new LatheError('NOT_FOUND', 'No active admin account: with sign-in required, no one could manage the accounts from the app.', 'Add one first: lathe users add NAME --role admin (it prints a one-time password).');
  }
  db.transaction(() => {
    metaQueries(db).set(KEY, on ? '1' : '0');
    audit.append({ actor: by, action: 'settings.require_sign_in', objectType: 'app', objectId: 'desktop', details: { on } });
  }).immediate();
}
