import fs from 'node:fs';
import os from 'node:os';
import type Database from 'better-sqlite3';
import { syntheticQueries } from '../db/queries/synthetic.js';

/**
 * Which engine process owns a running generation. A pid alone is not enough: after a reboot the same number can
 * belong to another program, so the owner is (pid, boot time of the host), and a job counts as orphaned when
 * its host rebooted since or its process is gone. A CLI engine running a job on the same data folder is alive
 * and keeps its job.
 */
export interface Owner { pid: number; boot: string }

/** An id of this boot of the host: Linux's boot_id, else the boot time rounded to a minute. */
export function hostBoot(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `t${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
  }
}

export function currentOwner(): Owner {
  return { pid: process.pid, boot: hostBoot() };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: a permission check only, nothing is sent
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
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
