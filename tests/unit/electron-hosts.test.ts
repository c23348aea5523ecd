/**
 * The host supervisor's wiring, restart and shutdown logic, with the `electron` module replaced by fakes.
 * The Electron binary is not available here, so no real utility process or window is created.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fakes = vi.hoisted(() => {
  // vi.hoisted runs before the imports above, so EventEmitter is required here.
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events');
  let nextPort = 0;
  class FakePort {
    readonly id = ++nextPort;
    closed = false;
    close(): void {
      this.closed = true;
    }
  }
  class FakeUtilityProcess extends Emitter {
    pid = 1000;
    stdout = null;
    stderr = null;
    posted: { message: unknown; ports: FakePort[] }[] = [];
    killed = false;
    constructor(
      readonly entry: string,
      readonly options: { env?: Record<string, string>; serviceName?: string },
    ) {
      super();
    }
    postMessage(message: unknown, ports: FakePort[] = []): void {
      this.posted.push({ message, ports });
    }
    kill(): boolean {
      this.killed = true;
      queueMicrotask(() => this.emit('exit', 0));
      return true;
    }
    crash(code = 1): void {
      this.emit('exit', code);
    }
  }
  const forks: FakeUtilityProcess[] = [];
  return { FakePort, FakeUtilityProcess, forks };
});

vi.mock('electron', () => ({
  utilityProcess: {
    fork: (entry: string, _args: string[], options: { env?: Record<string, string> }) => {
      const child = new fakes.FakeUtilityProcess(entry, options);
      fakes.forks.push(child);
      return child;
    },
  },
  MessageChannelMain: class {
    port1 = new fakes.FakePort();
    port2 = new fakes.FakePort();
  },
  net: {},
  protocol: {},
}));

const { HostSupervisor, giveUpMessage, readEngineLink } = await import('../../electron/hosts.js');
const { resolveAppFile } = await import('../../electron/app-protocol.js');
const { OrderedDisposables } = await import('../../electron/disposable.js');
const { CrashBudget } = await import('../../electron/crash-budget.js');

type Child = InstanceType<typeof fakes.FakeUtilityProcess>;

class FakeContents extends EventEmitter {
  posted: { channel: string; ports: unknown[] }[] = [];
  destroyed = false;
  isDestroyed(): boolean {
    return this.destroyed;
  }
  postMessage(channel: string, _message: unknown, ports: unknown[] = []): void {
    this.posted.push({ channel, ports });
  }
}

const log = { file: '/tmp/lathe-main.log', line: vi.fn(), pipe: vi.fn(), dispose: vi.fn() };

function makeSupervisor(onGiveUp = vi.fn(), onEngineLink = vi.fn()) {
  const supervisor = new HostSupervisor({
    engine: { name: 'engine', entry: '/app/.vite/build/engine-host.js', env: { LATHE_MODE: 'electron' } },
    inference: { name: 'inference', entry: '/app/.vite/build/inference-host.js', env: { LATHE_MODE: 'electron' } },
    log,
    onGiveUp,
    onEngineLink,
  });
  return { supervisor, onGiveUp, onEngineLink };
}

/** What src/engine/host/utility-entry.ts posts once the engine is open. */
const PORT_LINK = { type: 'lathe:link', kind: 'port' };

const attaches = (child: Child) =>
  child.posted.map((p) => (p.message as { type: string; role?: string }).role ?? (p.message as { type: string }).type);
const byEntry = (name: string) => fakes.forks.filter((c) => path.basename(c.entry) === name);

describe('host supervisor (electron mocked, Electron binary not available)', () => {
  beforeEach(() => {
    fakes.forks.length = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('forks both hosts and links engine and inference with one port each', () => {
    const { supervisor } = makeSupervisor();
    supervisor.start();
    const [engine] = byEntry('engine-host.js');
    const [inference] = byEntry('inference-host.js');
    expect(engine?.options.env?.LATHE_MODE).toBe('electron');
    expect(attaches(engine!)).toEqual(['inference']);
    expect(attaches(inference!)).toEqual(['engine']);
    expect(engine!.posted[0]?.ports).toHaveLength(1);
    expect(engine!.posted[0]?.message).toEqual({ type: 'lathe:attach', role: 'inference' });
  });

  it('gives every page load a fresh renderer port, the other end to the engine', () => {
    const { supervisor } = makeSupervisor();
    supervisor.start();
    byEntry('engine-host.js')[0]!.emit('message', PORT_LINK);
    const contents = new FakeContents();
    supervisor.connectRenderer(contents as never);
    supervisor.connectRenderer(contents as never); // reload
    const [engine] = byEntry('engine-host.js');
    expect(attaches(engine!)).toEqual(['inference', 'renderer', 'renderer']);
    expect(contents.posted.map((p) => p.channel)).toEqual(['lathe:port', 'lathe:port']);
    expect(contents.posted[0]?.ports).toHaveLength(1);
  });

  it('restarts a crashed engine and re-sends both of its ports', async () => {
    const { supervisor } = makeSupervisor();
    supervisor.start();
    byEntry('engine-host.js')[0]!.emit('message', PORT_LINK);
    const contents = new FakeContents();
    supervisor.connectRenderer(contents as never);
    byEntry('engine-host.js')[0]!.crash();
    await vi.advanceTimersByTimeAsync(1_000);
    const engines = byEntry('engine-host.js');
    expect(engines).toHaveLength(2);
    expect(attaches(engines[1]!)).toEqual(['inference']); // the renderer's port waits until the new engine says how
    engines[1]!.emit('message', PORT_LINK);
    expect(attaches(engines[1]!)).toEqual(['inference', 'renderer']);
    expect(contents.posted).toHaveLength(2);
    // the running inference host got a new engine port
    expect(attaches(byEntry('inference-host.js')[0]!)).toEqual(['engine', 'engine']);
  });

  it('restarts a crashed inference host and re-links it to the engine', async () => {
    const { supervisor } = makeSupervisor();
    supervisor.start();
    byEntry('inference-host.js')[0]!.crash();
    await vi.advanceTimersByTimeAsync(1_000);
    const inference = byEntry('inference-host.js');
    expect(inference).toHaveLength(2);
    expect(attaches(inference[1]!)).toEqual(['engine']);
    expect(attaches(byEntry('engine-host.js')[0]!)).toEqual(['inference', 'inference']);
  });

  it('sends renderer ports only once the engine says "port"; with sign-in required the page goes to its loopback URL instead', () => {
    const { supervisor, onEngineLink } = makeSupervisor();
    supervisor.start();
    const [engine] = byEntry('engine-host.js');
    const contents = new FakeContents();
    supervisor.connectRenderer(contents as never); // a page loaded before the engine opened: no port yet
    expect(contents.posted).toEqual([]);
    engine!.emit('message', { type: 'lathe:link', kind: 'server', url: 'http://127.0.0.1:41234/' });
    expect(onEngineLink).toHaveBeenLastCalledWith({ kind: 'server', url: 'http://127.0.0.1:41234/' });
    supervisor.connectRenderer(contents as never);
    expect(contents.posted).toEqual([]); // the signed-in page talks to the engine over HTTP, never over a port
    expect(attaches(engine!)).toEqual(['inference']);
    engine!.emit('message', { type: 'lathe:link', kind: 'server', url: 'https://example.org/' }); // not loopback http: ignored
    engine!.emit('message', PORT_LINK);
    expect(onEngineLink).toHaveBeenCalledTimes(2);
    expect(contents.posted.map((p) => p.channel)).toEqual(['lathe:port']); // the waiting page gets its port now
  });

  it('reads only well-formed link messages, and only a loopback http page', () => {
    expect(readEngineLink(PORT_LINK)).toEqual({ kind: 'port' });
    expect(readEngineLink({ type: 'lathe:link', kind: 'server', url: 'http://127.0.0.1:5/' })).toEqual({ kind: 'server', url: 'http://127.0.0.1:5/' });
    for (const bad of [null, 'lathe:link', { type: 'lathe:link' }, { type: 'lathe:link', kind: 'server' }, { type: 'lathe:link', kind: 'server', url: 'http://10.0.0.2:80/' },
      { type: 'lathe:link', kind: 'server', url: 'http://127.0.0.1:80/x' }, { type: 'lathe:link', kind: 'server', url: 'file:///etc/passwd' }, { type: 'other', kind: 'port' }]) {
      expect(readEngineLink(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('gives up after three crashes in a minute and says what to do', async () => {
    const { supervisor, onGiveUp } = makeSupervisor();
    supervisor.start();
    for (let i = 0; i < 3; i++) {
      byEntry('inference-host.js').at(-1)!.crash();
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(onGiveUp).toHaveBeenCalledWith('inference');
    expect(byEntry('inference-host.js')).toHaveLength(3);
    const text = giveUpMessage('engine', '/logs/main.log');
    expect(text.fatal).toBe(true);
    expect(text.detail).toContain('/logs/main.log');
  });

  it('stops inference, then engine, without counting those exits as crashes', async () => {
    vi.useRealTimers();
    const { supervisor, onGiveUp } = makeSupervisor();
    supervisor.start();
    const order: string[] = [];
    const shutdown = new OrderedDisposables(1_000, (line) => order.push(line));
    shutdown.add('window', { dispose: () => void order.push('window') });
    shutdown.add('inference', supervisor.stopInference(1_000));
    shutdown.add('engine', supervisor.stopEngine(1_000));
    byEntry('inference-host.js')[0]!.once('exit', () => order.push('inference exited'));
    byEntry('engine-host.js')[0]!.once('exit', () => order.push('engine exited'));
    await shutdown.dispose();
    expect(order).toEqual(['window', 'inference exited', 'engine exited']);
    expect(fakes.forks).toHaveLength(2); // nothing restarted
    expect(onGiveUp).not.toHaveBeenCalled();
  });
});

describe('main-process helpers (electron mocked)', () => {
  it('serves only files inside the renderer folder on lathe://app', () => {
    const dir = path.resolve('/app/.vite/renderer/main_window');
    expect(resolveAppFile('lathe://app/index.html', dir)).toBe(path.join(dir, 'index.html'));
    expect(resolveAppFile('lathe://app/', dir)).toBe(path.join(dir, 'index.html'));
    expect(resolveAppFile('lathe://app/assets/index-1.js', dir)).toBe(path.join(dir, 'assets', 'index-1.js'));
    expect(resolveAppFile('lathe://app/datasets/42', dir)).toBe(path.join(dir, 'index.html'));
    expect(resolveAppFile('lathe://app/..%2f..%2fpackage.json', dir)).toBeNull();
    // the URL parser already clamps dot segments at the root, so this stays inside
    expect(resolveAppFile('lathe://app/%2e%2e/%2e%2e/secret.txt', dir)).toBe(path.join(dir, 'secret.txt'));
    expect(resolveAppFile('lathe://other/index.html', dir)).toBeNull();
    expect(resolveAppFile('file:///etc/passwd', dir)).toBeNull();
  });

  it('does not let a stuck shutdown step hold up the next one', async () => {
    const lines: string[] = [];
    const shutdown = new OrderedDisposables(20, (line) => lines.push(line));
    let secondRan = false;
    shutdown.add('stuck', { dispose: () => new Promise<void>(() => undefined) });
    shutdown.add('second', { dispose: () => void (secondRan = true) });
    await shutdown.dispose();
    expect(secondRan).toBe(true);
    expect(lines.join('\n')).toContain('stuck did not finish');
  });

  it('counts crashes only inside the window', () => {
    let now = 0;
    const budget = new CrashBudget(3, 60_000, () => now);
    expect(budget.record()).toBe(false);
    now = 30_000;
    expect(budget.record()).toBe(false);
    now = 61_000; // the first crash has left the window
    expect(budget.record()).toBe(false);
    now = 62_000;
    expect(budget.record()).toBe(true);
  });
});
