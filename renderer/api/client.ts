import type { EventSchemas, HandlerSpecs, LatheClient } from '../../src/shared/contract/index.js';
import { RpcClient } from '../../src/shared/transport/index.js';
import { ConnectionStateCell, type ConnectionState } from './connection-state.js';
import { SwitchableChannel } from './switchable-channel.js';
import { startMessagePortTransport } from './transport-message-port.js';
import { startWebSocketTransport } from './transport-websocket.js';
import { linkedByPort } from './bridge.js';

/** One typed client to the engine plus the state of the link under it. */
export interface Connection {
  client: LatheClient;
  getState(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): () => void;
  dispose(): void;
}

/**
 * Picks the carrier (a MessagePort from the Electron preload, else a WebSocket to `lathe serve`) and hides it:
 * callers get the same LatheClient either way, and it survives reconnects.
 */
export function connect(win: Window = window): Connection {
  const channel = new SwitchableChannel();
  const state = new ConnectionStateCell();
  const stopTransport = linkedByPort(win)
    ? startMessagePortTransport(channel, state, win)
    : startWebSocketTransport(channel, state, { location: win.location });
  const client: LatheClient = new RpcClient<HandlerSpecs, EventSchemas>(channel);
  return {
    client,
    getState: () => state.get(),
    subscribe: (listener) => state.subscribe(listener),
    dispose() {
      stopTransport();
      client.dispose();
      channel.close();
    },
  };
}
