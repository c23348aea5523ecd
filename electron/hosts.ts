// The two Node utility processes and the MessagePorts between them. Main only forks, connects and restarts;
// it never reads a message. Contract with the host entries (src/engine/host/utility-entry.ts,
// src/inference/host/utility-entry.ts): each receives `{type: 'lathe:attach', role}` on process.parentPort with
// one MessagePort in `ports[0]`, possibly several times (a page reload or a restart of the other host sends a
// fresh port, which replaces the old one). Stopping: SIGTERM on POSIX; on Windows, where a kill cannot be
// caught, `{type: 'lathe:shutdown'}` first, then a kill after the grace period.
import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess, type WebContents } from 'electron';

import { CrashBudget } from './crash-budget.js';
import { settleWithin, type Disposable } from './disposable.js';
import type { MainLog } from './log.js';

export type HostName = 'engine' | 'inference';
export type AttachRole = 'renderer' | 'inference' | 'engine';

export interface AttachMessage {
  readonly type: 'lathe:attach';
  readonly role: AttachRole;
}
export interface ShutdownMessage {
  readonly type: 'lathe:shutdown';
}

/** The channel name the preload listens on; it re-posts the port to the page as `'lathe:port'`. */
export const RENDERER_PORT_CHANNEL = 'lathe:port';

const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;
const WINDOWS_GRACE_MS = 2_000;

export interface HostSpec {
  readonly name: HostName;
  /** Absolute path of the built entry (engine-host.js / inference-host.js). */
  readonly entry: string;
  readonly env: Record<string, string>;
}

/** One utility process. Knows whether an exit was asked for, so only unexpected exits count as crashes. */
class HostProcess {
  private child: UtilityProcess | null = null;

  constructor(
    private readonly spec: HostSpec,
    private readonly log: MainLog,
    private readonly onUnexpectedExit: (code: number) => void,
    private readonly onMessage: (message: unknown) => void = () => undefined,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) return;
    // Messages posted before the process has spawned are queued by Electron, so no wait is needed here.
    const child = utilityProcess.fork(this.spec.entry, [], {
      serviceName: `Lathe ${this.spec.name} host`,
      env: this.spec.env,
      stdio: 'pipe',
    });
    this.child = child;
    this.log.pipe(this.spec.name, child.stdout);
    this.log.pipe(this.spec.name, child.stderr);
    child.on('spawn', () => this.log.line('hosts', `${this.spec.name} host started (pid ${child.pid ?? '?'})`));
    child.on('error', (type, location) => this.log.line('hosts', `${this.spec.name} host ${type} at ${location}`));
    child.on('message', (message: unknown) => {
      if (this.child === child) this.onMessage(message);
    });
    child.once('exit', (code) => {
      if (this.child !== child) return; // a stop() already took it
      this.child = null;
      this.onUnexpectedExit(code);
    });
  }

  /** Hands `port` to the host; closes it instead when the host is not running. */
  attach(role: AttachRole, port: MessagePortMain): boolean {
    if (!this.child) {
      port.close();
      return false;
    }
    const message: AttachMessage = { type: 'lathe:attach', role };
    this.child.postMessage(message, [port]);
    return true;
  }

  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null; // from here on its exit is expected
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (process.platform === 'win32') {
      const message: ShutdownMessage = { type: 'lathe:shutdown' };
      child.postMessage(message);
      if ((await settleWithin(exited, Math.min(WINDOWS_GRACE_MS, timeoutMs))) === 'settled') return;
    }
    child.kill();
    if ((await settleWithin(exited, timeoutMs)) === 'settled') return;
    this.log.line('hosts', `${this.spec.name} host ignored the stop request; killing it`);
    if (child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await settleWithin(exited, 1_000);
  }
}

export interface HostSupervisorOptions {
  readonly engine: HostSpec;
  readonly inference: HostSpec;
  readonly log: MainLog;
  /** A host crashed MAX_CRASHES times within CRASH_WINDOW_MS and will not be restarted again. */
  readonly onGiveUp: (name: HostName) => void;
  /**
   * The engine host says how the window reaches it, once it is open (and again after each restart):
   * src/engine/host/utility-entry.ts's LinkMessage.
   */
  readonly onEngineLink?: (link: EngineLink) => void;
}

/** How the window reaches the engine: a MessagePort per page load, or (sign-in required) the team-mode page at `url`. */
export type EngineLink = { readonly kind: 'port' } | { readonly kind: 'server'; readonly url: string };

/** The engine host's `{type: 'lathe:link'}` message, checked (main trusts the host, but not its shape). */
export function readEngineLink(message: unknown): EngineLink | null {
  const m = message as { type?: unknown; kind?: unknown; url?: unknown } | null;
  if (!m || m.type !== 'lathe:link') return null;
  if (m.kind === 'port') return { kind: 'port' };
  // Only a loopback http page: the window never shows anything from elsewhere.
  if (m.kind === 'server' && typeof m.url === 'string' && /^http:\/\/127\.0\.0\.1:\d+\/$/.test(m.url)) return { kind: 'server', url: m.url };
  return null;
}

/**
 * Starts both hosts, keeps the renderer↔engine and engine↔inference ports connected across page reloads and
 * host restarts, and exposes each host's stop as a Disposable for the ordered shutdown in main.
 */
export class HostSupervisor {
  private readonly engine: HostProcess;
  private readonly inference: HostProcess;
  private readonly budgets: Record<HostName, CrashBudget> = {
    engine: new CrashBudget(MAX_CRASHES, CRASH_WINDOW_MS),
    inference: new CrashBudget(MAX_CRASHES, CRASH_WINDOW_MS),
  };
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private renderer: WebContents | null = null;
  private stopping = false;
  /** Null until the engine host has said; renderer ports are sent only in `port` mode. */
  private link: EngineLink | null = null;

  constructor(private readonly options: HostSupervisorOptions) {
    this.engine = new HostProcess(options.engine, options.log, (code) => this.onCrash('engine', code), (message) => {
      const link = readEngineLink(message);
      if (!link) return;
      this.link = link;
      options.onEngineLink?.(link);
      this.sendRendererPort(); // a page that loaded before the engine said how to reach it gets its port now
    });
    this.inference = new HostProcess(options.inference, options.log, (code) => this.onCrash('inference', code));
  }

  start(): void {
    this.engine.start();
    this.inference.start();
    this.linkEngineAndInference();
  }

  /** Call after every completed page load: the page gets a fresh port to the engine. */
  connectRenderer(contents: WebContents): void {
    if (this.renderer !== contents) {
      this.renderer = contents;
      contents.once('destroyed', () => {
        if (this.renderer === contents) this.renderer = null;
      });
    }
    this.sendRendererPort();
  }

  /** Shutdown steps, to be run in this order after the window is gone. */
  stopInference(timeoutMs: number): Disposable {
    return { dispose: () => this.stopHost(this.inference, timeoutMs) };
  }

  stopEngine(timeoutMs: number): Disposable {
    return { dispose: () => this.stopHost(this.engine, timeoutMs) };
  }

  private async stopHost(host: HostProcess, timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await host.stop(timeoutMs);
  }

  private sendRendererPort(): void {
    const contents = this.renderer;
    if (!contents || contents.isDestroyed() || this.stopping || this.link?.kind !== 'port') return;
    const { port1, port2 } = new MessageChannelMain();
    if (!this.engine.attach('renderer', port1)) {
      port2.close();
      return;
    }
    contents.postMessage(RENDERER_PORT_CHANNEL, null, [port2]);
  }

  private linkEngineAndInference(): void {
    if (!this.engine.running || !this.inference.running || this.stopping) return;
    const { port1, port2 } = new MessageChannelMain();
    this.engine.attach('inference', port1);
    this.inference.attach('engine', port2);
  }

  private onCrash(name: HostName, code: number): void {
    if (this.stopping) return;
    const budget = this.budgets[name];
    const exhausted = budget.record();
    this.options.log.line('hosts', `${name} host exited unexpectedly (code ${code}); crash ${budget.recent} in the last minute`);
    if (exhausted) {
      this.options.log.line('hosts', `${name} host crashed ${MAX_CRASHES} times within a minute; not restarting it`);
      this.options.onGiveUp(name);
      return;
    }
    // Back off a little so a host that dies on start-up does not spin.
    const delay = 250 * 2 ** (budget.recent - 1);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopping) return;
      this.options.log.line('hosts', `restarting ${name} host`);
      if (name === 'engine') {
        this.link = null;
        this.engine.start();
        this.linkEngineAndInference();
        this.sendRendererPort();
      } else {
        this.inference.start();
        this.linkEngineAndInference();
      }
    }, delay);
    this.restartTimers.add(timer);
  }
}

/** What the give-up dialog says: what happened, whether data is safe, and what to do next. */
export function giveUpMessage(name: HostName, logFile: string): { message: string; detail: string; fatal: boolean } {
  if (name === 'engine') {
    return {
      fatal: true,
      message: "Lathe's engine stopped unexpectedly three times in a minute, so Lathe has to close.",
      detail:
        'Your data is safe: every change is saved in a transaction, so nothing half-written was kept. ' +
        'Open Lathe again. If this keeps happening, free some disk space and memory, then look at the end of ' +
        `the log for the cause: ${logFile}`,
    };
  }
  return {
    fatal: false,
    message: 'The model runner stopped unexpectedly three times in a minute. Chat, compare and evaluations are paused.',
    detail:
      'Your data and the rest of Lathe keep working. The model may be too large for this machine: close ' +
      'Lathe, open it again and load a smaller or more quantised model (for example Q4_K_M). ' +
      `Details are in the log: ${logFile}`,
  };
}
