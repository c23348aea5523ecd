import { describe, expect, it, vi } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { handlerSpecs, LatheError, type HandlerImpls, type LatheClient } from '../contract/index.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';
import { createMemoryChannelPair } from './memory-channel.js';
import { messagePortChannel, type PortLike } from './message-port-channel.js';
import type { FrameChannel } from '../contract/frames.js';

function fakeImpls(): HandlerImpls {
  return {
    'app.info': vi.fn(),
    'app.ping': vi.fn(async ({ message }: { message: string }) => ({ message: message.toUpperCase(), at: 'now' })),
    'doctor.report': vi.fn(),
    'audit.list': vi.fn(async ({ limit }: { limit: number }) => ({ entries: [], total: limit })),
    'audit.verify': vi.fn(),
  } as unknown as HandlerImpls;
}

function connect(impls: HandlerImpls, pair: [FrameChannel, FrameChannel] = createMemoryChannelPair()): LatheClient {
  new RpcServer(handlerSpecs, impls).attach(pair[1]);
  return new RpcClient(pair[0]);
}

describe('the typed contract at the boundary', () => {
  it('passes parsed arguments (with defaults) to the handler and returns its result', async () => {
    const impls = fakeImpls();
    const client = connect(impls);
    await expect(client.send('app.ping', { message: 'hi' })).resolves.toEqual({ message: 'HI', at: 'now' });
    await expect(client.send('audit.list', {})).resolves.toEqual({ entries: [], total: 100 });
  });

  it('refuses invalid arguments with a clear error and never calls the handler', async () => {
    const impls = fakeImpls();
    const client = connect(impls);
    const err = await client.send('audit.list', { limit: -5 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatheError);
    expect((err as LatheError).code).toBe('INVALID_ARGUMENTS');
    expect((err as LatheError).message).toMatch(/audit\.list.*limit/);
    expect((err as LatheError).hint).not.toBe('');
    const extra = await client.send('app.ping', { message: 'x', evil: true } as never).catch((e: unknown) => e);
    expect((extra as LatheError).code).toBe('INVALID_ARGUMENTS');
    const wrongType = await client.send('app.ping', { message: 42 } as never).catch((e: unknown) => e);
    expect((wrongType as LatheError).message).toMatch(/message/);
    expect(impls['audit.list']).not.toHaveBeenCalled();
    expect(impls['app.ping']).not.toHaveBeenCalled();
  });

  it('answers an unknown handler name with UNKNOWN_HANDLER', async () => {
    const client = connect(fakeImpls());
    const err = await client.send('files.readAnything' as never, {} as never).catch((e: unknown) => e);
    expect((err as LatheError).code).toBe('UNKNOWN_HANDLER');
  });

  it('turns a thrown handler error into error data with a hint', async () => {
    const impls = fakeImpls();
    impls['app.ping'] = async () => {
      throw new LatheError('NOT_FOUND', 'No such thing.', 'Look elsewhere.');
    };
    const err = (await connect(impls).send('app.ping', { message: 'x' }).catch((e: unknown) => e)) as LatheError;
    expect(err.toData()).toEqual({ code: 'NOT_FOUND', message: 'No such thing.', hint: 'Look elsewhere.' });
  });

  it('refuses a writing handler through the write guard', async () => {
    const specs = { ...handlerSpecs, 'app.ping': { ...handlerSpecs['app.ping'], writes: true } };
    const impls = fakeImpls();
    const [a, b] = createMemoryChannelPair();
    new RpcServer(specs, impls, {
      guardWrite: () => {
        throw new LatheError('DB_READ_ONLY', 'read only', 'restore');
      },
    }).attach(b);
    const err = (await new RpcClient<typeof specs, Record<string, never>>(a).send('app.ping', { message: 'x' }).catch((e: unknown) => e)) as LatheError;
    expect(err.code).toBe('DB_READ_ONLY');
    expect(impls['app.ping']).not.toHaveBeenCalled();
  });

  it('carries the same frames over a real MessagePort, events included', async () => {
    const { port1, port2 } = new MessageChannel();
    const client: LatheClient = connect(fakeImpls(), [
      messagePortChannel(port1 as unknown as PortLike),
      messagePortChannel(port2 as unknown as PortLike),
    ]);
    await expect(client.send('app.ping', { message: 'port' })).resolves.toMatchObject({ message: 'PORT' });
    const got = new Promise((resolve) => client.listen('job.progress', resolve));
    port2.postMessage({ t: 'evt', name: 'job.progress', payload: { jobId: 'j', kind: 'k', label: 'l', fraction: 0.5, message: 'm', state: 'running' } });
    await expect(got).resolves.toMatchObject({ jobId: 'j', fraction: 0.5 });
    port1.close();
  });

  it('rejects pending calls when the channel closes', async () => {
    const [a] = createMemoryChannelPair();
    const client: LatheClient = new RpcClient(a); // nobody serves the other end
    const pending = client.send('app.ping', { message: 'x' });
    a.close();
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
