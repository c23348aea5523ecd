import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { ipcChannel } from './ipc-channel.js';

describe('ipcChannel over a real forked process', () => {
  it('a write to a process that just died closes the channel instead of raising an unhandled error', async () => {
    const script = path.join(tempDir(), 'child.cjs');
    fs.writeFileSync(script, "process.on('message', () => process.kill(process.pid, 'SIGKILL'));\n");
    const child = fork(script, [], { stdio: 'ignore' });
    const errors: Error[] = [];
    child.on('error', (e) => errors.push(e)); // without the fix a failed write lands here (and kills a process with no listener)
    const channel = ipcChannel(child);
    const closed = new Promise<void>((resolve) => channel.onClose(resolve));
    const exited = new Promise((r) => child.once('exit', r));
    channel.send({ t: 'evt', name: 'x', payload: null } as never); // the child dies on receipt
    // Hold this thread while it dies, so its 'exit' is not seen yet: the next writes hit a dead pipe (EPIPE).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    for (let i = 0; i < 3; i++) channel.send({ t: 'evt', name: 'x', payload: 'x'.repeat(100_000) } as never);
    await exited;
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
  });
});
