import type { EventName, EventPayload } from '../shared/contract/events.js';
import type { FrameChannel } from '../shared/contract/frames.js';

/** Typed push events: delivered to every attached UI channel and to in-process listeners (the CLI). */
export class EventBus {
  private readonly channels = new Set<FrameChannel>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const ch of this.channels) {
      try {
        ch.send({ t: 'evt', name, payload });
      } catch {
        this.channels.delete(ch); // a closed tab; it re-attaches when it reconnects
      }
    }
    for (const fn of this.listeners.get(name) ?? []) fn(payload);
  }

  listen<E extends EventName>(name: E, fn: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const wrapped = fn as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  addChannel(channel: FrameChannel): () => void {
    this.channels.add(channel);
    return () => this.channels.delete(channel);
  }
}
