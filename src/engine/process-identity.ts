import fs from 'node:fs';
import os from 'node:os';

/**
 * Who a process id belongs to. A pid alone names nothing for long: after a reboot, or once the process has
 * exited and the number wrapped around, the same pid belongs to another program. A process is therefore
 * recorded as (pid, boot of the host, start time of the process) and counts as the same process only while all
 * three still match. The start time is Linux's (/proc/PID/stat, clock ticks since boot); where it cannot be read
 * the check falls back to (pid, boot).
 */
export interface ProcessIdentity {
  pid: number;
  boot: string;
  start: string | null;
}

/** An id of this boot of the host: Linux's boot_id, else the boot time rounded to a minute. */
export function hostBoot(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `t${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
  }
}

/** When the process started (field 22 of /proc/PID/stat, clock ticks after boot), or null where unknown. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces or ')': fields restart after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 = index 19 after "state" (field 3)
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: a permission check only, nothing is sent
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

export function identify(pid: number): ProcessIdentity {
  return { pid, boot: hostBoot(), start: processStart(pid) };
}

/**
 * Whether the process recorded as (pid, boot, start) is still running. A record without a boot (written before
 * identities were kept) is judged by its pid alone, as before.
 */
export function stillRunning(pid: number | null | undefined, boot: string | null | undefined, start: string | null | undefined): boolean {
  if (pid == null || !processAlive(pid)) return false;
  if (boot == null) return true;
  if (boot !== hostBoot()) return false;
  const now = processStart(pid);
  return start == null || now == null || now === start;
}
