import { describe, expect, it } from 'vitest';
import type { EventSchemas, Frame, HandlerSpecs, LatheClient } from '../../src/shared/contract/index.js';
import { createMemoryChannelPair, RpcClient } from '../../src/shared/transport/index.js';
import { SwitchableChannel } from './switchable-channel.js';

/** An engine stand-in on the far side of a memory channel: answers app.ping, or never answers. */
function fakeEngine(opts: { silent?: boolean } = {}) {
  const [near, far] = createMemoryChannelPair();
  far.onFrame((frame: Frame) => {
    if (frame.t !== 'req' || opts.silent) return;
    const args = frame.args as { message: string };
    far.send({ t: 'res', id: frame.id, result: { message: args.message, at: 'now' } });
  });
  return { near, far };
}

function clientOver(channel: SwitchableChannel): LatheClient {
  return new RpcClient<HandlerSpecs, EventSchemas>(channel);
}

describe('SwitchableChannel', () => {
  it('queues requests until a carrier is attached, then sends them', async () => {
    const channel = new SwitchableChannel();
    const client = clientOver(channel);
    const reply = client.send('app.ping', { message: 'early' });
    channel.attach(fakeEngine().near);
    await expect(reply).resolves.toMatchObject({ message: 'early' });
  });

  it('fails in-flight requests with TRANSPORT_CLOSED when the carrier drops, and keeps working on the next one', async () => {
    const channel = new SwitchableChannel();
    const client = clientOver(channel);
    const silent = fakeEngine({ silent: true });
    channel.attach(silent.near);
    const lost = client.send('app.ping', { message: 'lost' });
    await Promise.resolve();
    silent.far.close();
    await expect(lost).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(channel.attached).toBe(false);

    channel.attach(fakeEngine().near);
    await expect(client.send('app.ping', { message: 'again' })).resolves.toMatchObject({ message: 'again' });
  });

  it('delivers events from whichever carrier is attached', async () => {
    const channel = new SwitchableChannel();
    const client = clientOver(channel);
    const seen: string[] = [];
    client.listen('job.progress', (p) => seen.push(p.label));
    const first = fakeEngine();
    channel.attach(first.near);
    first.far.send({ t: 'evt', name: 'job.progress', payload: { jobId: '1', kind: 'k', label: 'one', fraction: null, message: '', state: 'running' } });
    await new Promise((r) => setTimeout(r, 0)); // memory channels deliver on a microtask
    const second = fakeEngine();
    channel.attach(second.near);
    // The replaced carrier no longer reaches the client.
    first.far.send({ t: 'evt', name: 'job.progress', payload: { jobId: '1', kind: 'k', label: 'stale', fraction: null, message: '', state: 'running' } });
    second.far.send({ t: 'evt', name: 'job.progress', payload: { jobId: '2', kind: 'k', label: 'two', fraction: null, message: '', state: 'running' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['one', 'two']);
  });

  it('refuses everything after close', async () => {
    const channel = new SwitchableChannel();
    const client = clientOver(channel);
    channel.close();
    await expect(client.send('app.ping', { message: 'x' })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
