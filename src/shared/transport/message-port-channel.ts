import type { Frame, FrameChannel } from '../contract/frames.js';

/** The subset of a DOM MessagePort / Electron MessagePortMain both carriers share. */
export interface PortLike {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
  addEventListener?(type: 'message' | 'close', listener: (e: { data: unknown }) => void): void;
  on?(type: 'message' | 'close', listener: (e: { data: unknown }) => void): void;
}

/** Wraps a MessagePort (renderer, utility process) as a FrameChannel. */
export function messagePortChannel(port: PortLike): FrameChannel {
  const frameListeners = new Set<(f: Frame) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;
  const onMessage = (e: { data: unknown }) => {
    for (const l of frameListeners) l(e.data as Frame);
  };
  // DOM and Node ports are EventTargets (listener gets an event); Electron's MessagePortMain only has `on`.
  if (port.addEventListener) {
    port.addEventListener('message', onMessage);
    port.addEventListener('close', () => fireClose());
  } else if (port.on) {
    port.on('message', onMessage);
    port.on('close', () => fireClose());
  }
  port.start();

  function fireClose() {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
  }
  return {
    send: (frame) => port.postMessage(frame),
    onFrame: (l) => (frameListeners.add(l), () => frameListeners.delete(l)),
    onClose: (l) => (closeListeners.add(l), () => closeListeners.delete(l)),
    close: () => {
      port.close();
      fireClose();
    },
  };
}
