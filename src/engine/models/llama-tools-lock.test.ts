import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { acquireLock } from './llama-tools.js';

/**
 * The llama.cpp tool build is shared by every process on the machine through a lock folder. A second process
 * waits for a build that is making progress (however long), says what it is waiting for, and reports a build
 * that has gone quiet instead of timing out for a reason nobody can read. A real second process holds the lock.
 */
const holders: ChildProcess[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL');
});

function holdLock(lock: string): ChildProcess {
  fs.mkdirSync(lock);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  holders.push(child);
  fs.writeFileSync(path.join(lock, 'pid'), String(child.pid));
  fs.writeFileSync(path.join(lock, 'progress'), '');
  return child;
}

describe('llama.cpp tool build lock', () => {
  it('waits for a live build that makes progress, saying whose build it is, then takes the lock', async () => {
    const lock = path.join(tempDir(), '.lock');
    const holder = holdLock(lock);
    const lines: string[] = [];
    const started = Date.now();
    // The holder "prints" (touches its heartbeat) for a while with a stall limit far shorter than the wait,
    // then finishes and removes the lock.
    const beat = setInterval(() => fs.existsSync(lock) && fs.utimesSync(path.join(lock, 'progress'), new Date(), new Date()), 200);
    setTimeout(() => {
      clearInterval(beat);
      fs.rmSync(lock, { recursive: true, force: true });
    }, 5_000);
    await acquireLock(lock, { stallMs: 3_000, onLog: (l) => lines.push(l) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    expect(lines[0]).toMatch(new RegExp(`^Waiting for process ${holder.pid}, which is building llama-quantize and llama-bench`));
    expect(fs.readFileSync(path.join(lock, 'pid'), 'utf8')).toBe(String(process.pid));
  }, 20_000);

  it('reports a build that has printed nothing for too long, naming the process and the lock', async () => {
    const lock = path.join(tempDir(), '.lock');
    const holder = holdLock(lock);
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(lock, 'progress'), past, past);
    fs.utimesSync(lock, past, past);
    const err = await acquireLock(lock, { stallMs: 1_500 }).catch((e: { message: string; hint: string }) => e);
    expect((err as { message: string }).message).toContain(`process (pid ${holder.pid}) is building the llama.cpp tools but has printed nothing`);
    expect((err as { hint: string }).hint).toContain(lock);
    expect(fs.existsSync(lock)).toBe(true); // a live owner's lock is never taken over
  }, 20_000);

  it('takes over the lock of a process that is gone', async () => {
    const lock = path.join(tempDir(), '.lock');
    const holder = holdLock(lock);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    await acquireLock(lock, { stallMs: 60_000 });
    expect(fs.readFileSync(path.join(lock, 'pid'), 'utf8')).toBe(String(process.pid));
  }, 20_000);
});
