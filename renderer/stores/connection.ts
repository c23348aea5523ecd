import { create } from 'zustand';
import type { LatheClient } from '../../src/shared/contract/index.js';
import { initialConnectionState, type ConnectionState } from '../api/connection-state.js';

interface ConnectionStore extends ConnectionState {
  client: LatheClient | null;
}

export const useConnection = create<ConnectionStore>(() => ({ ...initialConnectionState, client: null }));

/** The client the stores send through; set once at start-up by bindStores. */
export function getClient(): LatheClient {
  const client = useConnection.getState().client;
  if (!client) throw new Error('bindStores() has not run yet');
  return client;
}
