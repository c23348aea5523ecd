import { messagePortChannel } from '../../src/shared/transport/index.js';
import type { ConnectionStateCell } from './connection-state.js';
import type { SwitchableChannel } from './switchable-channel.js';

/** The message the preload posts, with the engine's MessagePort in `ports[0]`. */
export const PORT_MESSAGE = 'lathe:port';

/**
 * Electron: the preload relays a MessagePort to the engine host with `window.postMessage('lathe:port', '/', [port])` (its own origin only).
 * Each new port (the first, or a fresh one after the engine host restarts) replaces the previous one.
 * Returns a function that stops listening; closing the channel closes the current port.
 */
export function startMessagePortTransport(
  channel: SwitchableChannel,
  state: ConnectionStateCell,
  target: Window = window,
): () => void {
  let current: MessagePort | null = null;
  const onMessage = (event: MessageEvent) => {
    // Only the preload (same window) may hand us a port; a frame or another window may not.
    if (event.source !== target || event.data !== PORT_MESSAGE) return;
    const port = event.ports[0];
    if (!port) return;
    current = port;
    channel.attach(messagePortChannel(port));
    state.set({ status: 'open', detail: null, retryAt: null, attempt: 0 });
    // Chromium fires 'close' on a MessagePort whose other end went away (the engine host died). Main restarts
    // the host and sends a fresh port; until then, say so instead of letting requests hang silently.
    port.addEventListener('close', () => {
      if (current !== port) return;
      current = null;
      channel.detach();
      state.set({ status: 'lost', detail: 'The engine stopped; Lathe is restarting it.' });
    });
  };
  target.addEventListener('message', onMessage);
  state.set({ status: 'connecting', detail: null });
  return () => target.removeEventListener('message', onMessage);
}
