import type { Frame, FrameChannel } from '../contract/frames.js';

/** The subset of a Node ChildProcess / `process` (in a forked child) used for IPC. */
export interface IpcEndpoint {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect' | 'exit', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  disconnect?(): void;
}

/** Wraps Node's child-process IPC (used in browser and CLI modes) as a FrameChannel. */
export function ipcChannel(endpoint: IpcEndpoint): FrameChannel {
  const frameListeners = new Set<(f: Frame) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;
  const onMessage = (message: unknown) => {
    for (const l of frameListeners) l(message as Frame);
  };
  const fireClose = () => {
    if (closed) return;
    closed = true;
    endpoint.off('message', onMessage);
    for (const l of closeListeners) l();
  };
  endpoint.on('message', onMessage);
  endpoint.on('disconnect', fireClose);
  endpoint.on('exit', fireClose);
  return {
    send(frame) {
      if (closed || !endpoint.send) throw new Error('IPC channel closed');
      // With a callback a failed write (EPIPE: the other side just died) comes here instead of as an 'error'
      // event that nobody listens to, which would kill this process; the channel then counts as closed.
      endpoint.send(frame, (error) => {
        if (error) fireClose();
      });
    },
    onFrame: (l) => (frameListeners.add(l), () => frameListeners.delete(l)),
    onClose: (l) => (closeListeners.add(l), () => closeListeners.delete(l)),
    close() {
      try {
        endpoint.disconnect?.();
      } catch {
        // already disconnected
      }
      fireClose();
    },
  };
}
