import { describe, expect, it } from 'vitest';
import type { EventSchemas, HandlerSpecs } from '../../src/shared/contract/index.js';
import { RpcClient } from '../../src/shared/transport/index.js';
import { backoffDelay, ConnectionStateCell } from './connection-state.js';
import { SwitchableChannel } from './switchable-channel.js';
import { socketUrl, startWebSocketTransport, tokenFromSearch } from './transport-websocket.js';

type Listener = (e: never) => void;

/** Just enough of a browser WebSocket: the test opens, answers and closes it by hand. */
class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  addEventListener(type: string, fn: Listener) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.fire('close', { code: 1000 });
  }
  open() {
    this.readyState = 1;
    this.fire('open', {});
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.fire('close', { code });
  }
  reply(frame: unknown) {
    this.fire('message', { data: JSON.stringify(frame) });
  }
  private fire(type: string, event: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn(event as never);
  }
}

function setup(search = '?token=abc') {
  FakeSocket.made = [];
  const timers: Array<() => void> = [];
  const channel = new SwitchableChannel();
  const state = new ConnectionStateCell();
  const stop = startWebSocketTransport(channel, state, {
    location: { protocol: 'http:', host: '127.0.0.1:4000', search },
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  const client = new RpcClient<HandlerSpecs, EventSchemas>(channel);
  const runTimers = () => timers.splice(0).forEach((fn) => fn());
  return { channel, state, stop, client, runTimers };
}

describe('websocket transport', () => {
  it('builds the socket address from the page address and its token', () => {
    expect(tokenFromSearch('?token=t0k%2Bx&x=1')).toBe('t0k+x');
    expect(tokenFromSearch('?other=1')).toBeNull();
    expect(socketUrl({ protocol: 'https:', host: 'gpu-box:8443' }, 'a b')).toBe('wss://gpu-box:8443/ws?token=a%20b');
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:1' }, null)).toBe('ws://127.0.0.1:1/ws');
  });

  it('goes connecting → open → lost → open, and requests survive the gap', async () => {
    const { state, client, runTimers, stop } = setup();
    expect(state.get().status).toBe('connecting');
    const first = FakeSocket.made[0]!;
    expect(first.url).toBe('ws://127.0.0.1:4000/ws?token=abc');
    first.open();
    expect(state.get().status).toBe('open');

    first.drop();
    expect(state.get()).toMatchObject({ status: 'lost', attempt: 1 });
    expect(state.get().detail).toMatch(/dropped/);

    // Sent while lost: waits for the next socket instead of failing.
    const reply = client.send('app.ping', { message: 'hi' });
    runTimers();
    const second = FakeSocket.made[1]!;
    expect(second.sent).toEqual([]);
    second.open();
    expect(state.get()).toMatchObject({ status: 'open', attempt: 0 });
    const req = JSON.parse(second.sent[0]!) as { id: number };
    second.reply({ t: 'res', id: req.id, result: { message: 'hi', at: 'now' } });
    await expect(reply).resolves.toMatchObject({ message: 'hi' });
    stop();
  });

  it('keeps retrying a first connect that fails, with growing delays', () => {
    const { state, runTimers, stop } = setup('');
    FakeSocket.made[0]!.drop();
    expect(state.get()).toMatchObject({ status: 'connecting', attempt: 1 });
    expect(state.get().detail).toMatch(/token/);
    runTimers();
    FakeSocket.made[1]!.drop();
    expect(state.get().attempt).toBe(2);
    stop();
  });

  it('backs off from half a second to ten, with jitter', () => {
    const mid = () => 0.5;
    expect(backoffDelay(1, mid)).toBe(500);
    expect(backoffDelay(2, mid)).toBe(1000);
    expect(backoffDelay(10, mid)).toBe(10_000);
    expect(backoffDelay(1, () => 0)).toBe(400);
    expect(backoffDelay(1, () => 1)).toBe(600);
  });
});
