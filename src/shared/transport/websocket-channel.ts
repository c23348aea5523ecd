import type { Frame, FrameChannel } from '../contract/frames.js';

/** The subset of the DOM WebSocket that the `ws` package also implements. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
}

const OPEN = 1;

/** Wraps an open WebSocket (browser or `ws`) as a FrameChannel; frames travel as JSON text. */
export function webSocketChannel(socket: WebSocketLike): FrameChannel {
  const frameListeners = new Set<(f: Frame) => void>();
  const closeListeners = new Set<() => void>();
  socket.addEventListener('message', (e) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(e.data)) as Frame;
    } catch {
      return; // not JSON: not ours; the server validates the shape of what does parse
    }
    for (const l of frameListeners) l(frame);
  });
  socket.addEventListener('close', () => {
    for (const l of closeListeners) l();
  });
  return {
    send(frame) {
      if (socket.readyState !== OPEN) throw new Error('WebSocket is not open');
      socket.send(JSON.stringify(frame));
    },
    onFrame: (l) => (frameListeners.add(l), () => frameListeners.delete(l)),
    onClose: (l) => (closeListeners.add(l), () => closeListeners.delete(l)),
    close: () => socket.close(1000, 'bye'),
  };
}
