import type { Frame, FrameChannel } from '../contract/frames.js';

/**
 * Two connected in-process channels. Frames are cloned with structuredClone, as a real carrier would,
 * so tests through it catch anything that would not survive a MessagePort or a WebSocket.
 */
export function createMemoryChannelPair(): [FrameChannel, FrameChannel] {
  const a = new Endpoint();
  const b = new Endpoint();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class Endpoint implements FrameChannel {
  peer!: Endpoint;
  private readonly frameListeners = new Set<(f: Frame) => void>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  send(frame: Frame): void {
    if (this.closed) throw new Error('channel closed');
    const copy = structuredClone(frame);
    queueMicrotask(() => this.peer.deliver(copy));
  }
  onFrame(listener: (f: Frame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
    this.peer.close();
  }
  private deliver(frame: Frame): void {
    if (!this.closed) for (const l of this.frameListeners) l(frame);
  }
}
