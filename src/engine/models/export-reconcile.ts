import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { exportQueries } from '../db/queries/exports.js';
import { stillRunning, type ProcessIdentity } from '../process-identity.js';

export const ownerColumns = (who: ProcessIdentity) => ({ owner_pid: who.pid, owner_boot: who.boot, owner_start: who.start });

/**
 * At engine start: an export still 'running' whose engine is gone (a crash, a kill -9 mid-export) becomes 'failed'
 * as interrupted, its partial folder is removed (only a folder under this data folder's exports/), and the fact is
 * audited. An export another live engine runs (the CLI beside the app) is left alone. Returns the ids.
 */
export function reconcileExports(ctx: EngineContext): string[] {
  if (!ctx.db || !ctx.audit) return [];
  const q = exportQueries(ctx.db);
  const root = path.resolve(ctx.dataDir, 'exports');
  const done: string[] = [];
  for (const row of q.running()) {
    if (row.owner_pid != null && stillRunning(row.owner_pid, row.owner_boot, row.owner_start)) continue;
    const inside = path.resolve(row.path).startsWith(root + path.sep);
    let removed = false;
    if (inside && fs.existsSync(row.path)) {
      fs.rmSync(row.path, { recursive: true, force: true });
      removed = true;
    }
    const error = `Interrupted: Lathe stopped while this export ran${removed ? '; its partial folder was removed' : ''}. Start the export again.`;
    if (!q.interrupt(row.id, error)) continue;
    ctx.events.emit('audit.appended', ctx.audit.append({
      actor: ctx.actor, action: 'export.interrupted', objectType: 'export', objectId: row.id,
      details: { path: row.path, removed, ownerPid: row.owner_pid, ownerBoot: row.owner_boot, ownerStart: row.owner_start },
    }));
    done.push(row.id);
  }
  return done;
}
