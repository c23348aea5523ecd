import type { z } from 'zod';
import type { HandlerSpec } from '../contract/define.js';
import { LatheError, type LatheErrorData } from '../contract/errors.js';
import type { Frame, FrameChannel } from '../contract/frames.js';

type Specs = Record<string, HandlerSpec>;
type Events = Record<string, z.ZodType>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: LatheError) => void;
}

/**
 * The caller's side of the protocol over any FrameChannel. Typed by a contract (handler specs + event schemas),
 * so `send('audit.list', {limit: 5})` is checked at compile time; the engine checks it again at run time.
 */
export class RpcClient<H extends Specs, E extends Events> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(private readonly channel: FrameChannel) {
    this.unsubscribe.push(channel.onFrame((frame) => this.receive(frame)));
    this.unsubscribe.push(channel.onClose(() => this.failAll('The connection to the engine closed.')));
  }

  send<K extends keyof H & string>(name: K, args: z.input<H[K]['args']>): Promise<z.output<H[K]['result']>> {
    if (this.closed) return Promise.reject(closedError('The connection to the engine is closed.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.channel.send({ t: 'req', id, name, args });
      } catch (err) {
        this.pending.delete(id);
        reject(closedError(`Could not send "${name}": ${(err as Error).message}`));
      }
    });
  }

  /** Subscribe to a push event; returns the unsubscribe function. */
  listen<K extends keyof E & string>(name: K, fn: (payload: z.output<E[K]>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const wrapped = fn as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  dispose(): void {
    this.failAll('The client was closed.');
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
  }

  private receive(frame: Frame): void {
    if (frame.t === 'evt') {
      for (const fn of this.listeners.get(frame.name) ?? []) fn(frame.payload);
      return;
    }
    if (frame.t === 'req') return;
    const pending = this.pending.get(frame.id);
    if (!pending) return;
    this.pending.delete(frame.id);
    if (frame.t === 'res') pending.resolve(frame.result);
    else pending.reject(LatheError.from(frame.error as LatheErrorData));
  }

  private failAll(message: string): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(closedError(message));
    this.pending.clear();
  }
}

function closedError(message: string): LatheError {
  return new LatheError('TRANSPORT_CLOSED', message, 'Restart Lathe; if this repeats, run `lathe doctor`.');
}
