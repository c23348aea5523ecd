import type Database from 'better-sqlite3';
import { hostBoot, processAlive } from '../process-identity.js';
import { syntheticQueries } from '../db/queries/synthetic.js';

/**
 * Which engine process owns a running generation. A pid alone is not enough: after a reboot the same number can
 * belong to another program, so the owner is (pid, boot time of the host), and a job counts as orphaned when
 * its host rebooted since or its process is gone. A CLI engine running a job on the same data folder is alive
 * and keeps its job.
 */
export interface Owner { pid: number; boot: string }

export { hostBoot, processAlive } from '../process-identity.js';

export function currentOwner(): Owner {
  return { pid: process.pid, boot: hostBoot() };
}


export function ownerGone(pid: number | null | undefined, boot: string | null | undefined, self: Owner = currentOwner()): boolean {
  if (pid == null) return true; // made before owners were recorded, or never launched: nobody runs it
  if (boot !== self.boot) return true;
  if (pid === self.pid) return true; // this very process is only starting up: it runs nothing yet
  return !processAlive(pid);
}

/**
 * At engine start: jobs still marked 'running' whose owner is gone were interrupted by a crash or a kill. They
 * become 'cancelled' (resumable: finished chunks are kept) with a note saying so. Returns their ids.
 */
export function reconcileInterrupted(db: Database.Database, self: Owner = currentOwner()): string[] {
  const q = syntheticQueries(db);
  const orphaned = q.runningJobs().filter((j) => ownerGone(j.owner_pid, j.owner_boot, self));
  db.transaction(() => {
    for (const j of orphaned) {
      q.setStatus(j.id, 'cancelled', 'Interrupted: the engine stopped while this generation ran. Resume it to continue; finished chunks are kept.');
      q.setOwner(j.id, null, null);
    }
  })();
  return orphaned.map((j) => j.id);
}
