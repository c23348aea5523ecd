import { webSocketChannel } from '../../src/shared/transport/index.js';
import { backoffDelay, type ConnectionStateCell } from './connection-state.js';
import type { SwitchableChannel } from './switchable-channel.js';

/** The minimal WebSocket constructor this transport needs; tests pass a fake. */
export type SocketFactory = (url: string) => WebSocket;

export interface WebSocketTransportOptions {
  /** Defaults to the page's own location (browser mode serves the renderer and the socket from one origin). */
  location?: Pick<Location, 'protocol' | 'host' | 'search'>;
  createSocket?: SocketFactory;
  setTimer?: (fn: () => void, ms: number) => number;
  clearTimer?: (id: number) => void;
}

/** The access token `lathe serve` printed into the page address (`?token=…`), or null. */
export function tokenFromSearch(search: string): string | null {
  const token = new URLSearchParams(search).get('token');
  return token && token.trim() ? token.trim() : null;
}

export function socketUrl(loc: Pick<Location, 'protocol' | 'host'>, token: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/**
 * Browser mode: keeps one WebSocket to the engine attached to `channel`, reconnecting with backoff whenever it
 * drops. Returns a function that stops it for good.
 */
export function startWebSocketTransport(
  channel: SwitchableChannel,
  state: ConnectionStateCell,
  options: WebSocketTransportOptions = {},
): () => void {
  const loc = options.location ?? window.location;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  const setTimer = options.setTimer ?? ((fn, ms) => window.setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((id) => window.clearTimeout(id));

  // Without ?token= the socket still carries the session cookie the server set when it served the page.
  const token = tokenFromSearch(loc.search);
  const url = socketUrl(loc, token);

  let socket: WebSocket | null = null;
  let timer: number | null = null;
  let stopped = false;
  let attempt = 0;

  const connect = () => {
    timer = null;
    if (stopped) return;
    // Keep the last failure's detail on screen while this attempt runs; only the countdown goes.
    state.set({ status: state.get().everOpened ? 'lost' : 'connecting', retryAt: null });
    const ws = createSocket(url);
    socket = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      if (stopped || socket !== ws) return;
      opened = true;
      attempt = 0;
      channel.attach(webSocketChannel(ws));
      state.set({ status: 'open', detail: null, retryAt: null, attempt: 0 });
    });
    ws.addEventListener('close', (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (opened) channel.detach();
      if (stopped) return;
      attempt += 1;
      const delay = backoffDelay(attempt);
      state.set({
        status: state.get().everOpened ? 'lost' : 'connecting',
        detail: closeDetail(event, opened, token !== null),
        retryAt: Date.now() + delay,
        attempt,
      });
      timer = setTimer(connect, delay);
    });
  };
  connect();

  return () => {
    stopped = true;
    if (timer !== null) clearTimer(timer);
    socket?.close(1000, 'bye');
    socket = null;
  };
}

function closeDetail(event: CloseEvent, wasOpen: boolean, hadToken: boolean): string {
  if (wasOpen) return 'The connection to the engine dropped.';
  // A refused upgrade looks like any failed connect to a page (1006); 4401/4403/1008 are explicit refusals.
  if (event.code === 4401 || event.code === 4403 || event.code === 1008) {
    return 'The engine refused this page’s access token. Open the address that `lathe serve` printed most recently.';
  }
  return hadToken
    ? 'Cannot reach the engine. Is `lathe serve` still running?'
    : 'Cannot reach the engine. If `lathe serve` restarted, open the full address it printed (it ends in ?token=…).';
}
