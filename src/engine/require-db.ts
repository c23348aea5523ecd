import type Database from 'better-sqlite3';
import { LatheError } from '../shared/contract/errors.js';
import type { AuditLog } from './audit/audit-log.js';
import type { EngineContext } from './context.js';

/** The database, or a clear refusal when start-up found it damaged. */
export function requireDb(ctx: EngineContext): { db: Database.Database; audit: AuditLog } {
  if (!ctx.db || !ctx.audit) {
    throw new LatheError(
      'DB_CORRUPT',
      `The library database is unavailable: ${ctx.dbProblem ?? 'it did not open'}.`,
      'Restore lathe.db from a backup or move it aside, then restart Lathe. Nothing was written.',
    );
  }
  return { db: ctx.db, audit: ctx.audit };
}
