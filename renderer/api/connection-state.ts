/** What the UI shows about the link to the engine. The transport behind it is never named. */
export type ConnectionStatus = 'connecting' | 'open' | 'lost';

export interface ConnectionState {
  status: ConnectionStatus;
  /** A sentence for the banner when the status is not 'open'; null otherwise. */
  detail: string | null;
  /** When the next reconnect attempt is due (epoch ms), or null when none is scheduled. */
  retryAt: number | null;
  /** Consecutive failed attempts since the link was last open. */
  attempt: number;
  /** True once the link has been open at least once; a later drop is a reconnect, not a first connect. */
  everOpened: boolean;
}

export const initialConnectionState: ConnectionState = {
  status: 'connecting',
  detail: null,
  retryAt: null,
  attempt: 0,
  everOpened: false,
};

/** A tiny observable value; transports write it, the connection store reads it. */
export class ConnectionStateCell {
  private value: ConnectionState = initialConnectionState;
  private readonly listeners = new Set<(s: ConnectionState) => void>();

  get(): ConnectionState {
    return this.value;
  }

  set(patch: Partial<ConnectionState>): void {
    const next = { ...this.value, ...patch };
    if (next.status === 'open') next.everOpened = true;
    this.value = next;
    for (const l of this.listeners) l(next);
  }

  subscribe(listener: (s: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Reconnect delays: 0.5 s doubling to 10 s, with ±20 % jitter so many tabs do not retry in step. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + random() * 0.4));
}
