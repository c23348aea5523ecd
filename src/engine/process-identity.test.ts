import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostBoot, identify, processStart, stillRunning } from './process-identity.js';

describe('process identity (pid, boot, start time)', () => {
  it('knows a live process as itself, and not once any part differs or it has exited', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    const me = identify(child.pid!);
    expect(me.boot).toBe(hostBoot());
    expect(me.start).toMatch(/^\d+$/);
    expect(stillRunning(me.pid, me.boot, me.start)).toBe(true);
    expect(stillRunning(me.pid, 'another-boot', me.start)).toBe(false);
    expect(stillRunning(me.pid, me.boot, String(Number(me.start) + 1))).toBe(false);
    expect(stillRunning(me.pid, null, null)).toBe(true); // a row from before identities: the pid alone, as before
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(stillRunning(me.pid, me.boot, me.start)).toBe(false);
    expect(processStart(me.pid)).toBeNull();
  });

  it('reads the start time of a process whose name holds spaces and parentheses', () => {
    // /proc/PID/stat's second field is the command name in parentheses; this process's own start is a number.
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    expect(stillRunning(process.pid, hostBoot(), processStart(process.pid))).toBe(true);
  });
});
