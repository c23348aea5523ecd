import type { Frame, FrameChannel, LatheErrorData } from '../../src/shared/contract/index.js';

const LOST_MID_REQUEST: LatheErrorData = {
  code: 'TRANSPORT_CLOSED',
  message: 'The connection to the engine dropped while this request was running.',
  hint: 'Lathe reconnects on its own. Check the result, then try again once the banner is gone.',
};

/**
 * A FrameChannel that outlives the carriers under it. The RpcClient is built once over this channel and
 * never learns that a WebSocket was replaced or a MessagePort re-sent: requests made while no carrier is
 * attached wait in a queue, and requests that were in flight when a carrier dropped fail with
 * TRANSPORT_CLOSED (they may or may not have run, so they are never replayed).
 */
export class SwitchableChannel implements FrameChannel {
  private inner: FrameChannel | null = null;
  private innerOff: Array<() => void> = [];
  private readonly queue: Frame[] = [];
  private readonly inFlight = new Set<number>();
  private readonly frameListeners = new Set<(f: Frame) => void>();
  private readonly closeListeners = new Set<() => void>();
  private disposed = false;

  get attached(): boolean {
    return this.inner !== null;
  }

  /** Carry frames over `inner` from now on; anything queued goes out first. */
  attach(inner: FrameChannel): void {
    if (this.disposed) {
      inner.close();
      return;
    }
    this.detach();
    this.inner = inner;
    this.innerOff = [
      inner.onFrame((frame) => this.receive(frame)),
      inner.onClose(() => {
        if (this.inner === inner) this.detach();
      }),
    ];
    const queued = this.queue.splice(0);
    for (const frame of queued) this.send(frame);
  }

  /** Forget the current carrier (it closed, or is being replaced). In-flight requests fail. */
  detach(): void {
    for (const off of this.innerOff) off();
    this.innerOff = [];
    this.inner = null;
    const failed = [...this.inFlight];
    this.inFlight.clear();
    for (const id of failed) this.emit({ t: 'err', id, error: LOST_MID_REQUEST });
  }

  send(frame: Frame): void {
    if (this.disposed) throw new Error('The connection to the engine is closed.');
    const inner = this.inner;
    if (!inner) {
      this.queue.push(frame);
      return;
    }
    try {
      inner.send(frame);
    } catch {
      // the carrier closed under us and has not told us yet: keep the frame for the next one
      this.queue.push(frame);
      return;
    }
    if (frame.t === 'req') this.inFlight.add(frame.id);
  }

  onFrame(listener: (f: Frame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes for good: the carrier, the queue and every listener. */
  close(): void {
    if (this.disposed) return;
    const inner = this.inner;
    this.detach();
    this.disposed = true;
    inner?.close();
    this.queue.length = 0;
    for (const l of this.closeListeners) l();
    this.frameListeners.clear();
    this.closeListeners.clear();
  }

  private receive(frame: Frame): void {
    if (frame.t === 'res' || frame.t === 'err') this.inFlight.delete(frame.id);
    this.emit(frame);
  }

  private emit(frame: Frame): void {
    for (const l of this.frameListeners) l(frame);
  }
}
