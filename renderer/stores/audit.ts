import { create } from 'zustand';
import type { AuditEntry, AuditVerifyResult, LatheErrorData } from '../../src/shared/contract/index.js';
import { getClient } from './connection.js';
import { asErrorData } from './errors.js';
import { toastError } from './toasts.js';

export const AUDIT_PAGE_SIZE = 50;

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface VerifyState {
  status: 'idle' | 'running' | 'done' | 'error';
  result: AuditVerifyResult | null;
  error: LatheErrorData | null;
}

interface AuditStore {
  entries: AuditEntry[];
  total: number;
  status: LoadStatus;
  error: LatheErrorData | null;
  loadingMore: boolean;
  /** Action prefix filter, e.g. "dataset." */
  filter: string;
  /** Entries that arrived live, so the table can mark them briefly. */
  fresh: number[];
  verify: VerifyState;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(prefix: string): void;
  runVerify(): Promise<void>;
  receive(entry: AuditEntry): void;
}

// Bumped by every reload so a slow answer to an older filter never overwrites a newer one.
let generation = 0;

export const useAudit = create<AuditStore>((set, get) => ({
  entries: [],
  total: 0,
  status: 'idle',
  error: null,
  loadingMore: false,
  filter: '',
  fresh: [],
  verify: { status: 'idle', result: null, error: null },

  async load() {
    const mine = ++generation;
    set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
    try {
      const prefix = get().filter.trim();
      const page = await getClient().send('audit.list', {
        limit: AUDIT_PAGE_SIZE,
        ...(prefix ? { actionPrefix: prefix } : {}),
      });
      if (mine !== generation) return;
      set({ entries: page.entries, total: page.total, status: 'ready', error: null, fresh: [] });
    } catch (err) {
      if (mine !== generation) return;
      set({ status: 'error', error: asErrorData(err) });
    }
  },

  async loadMore() {
    const { entries, loadingMore, filter } = get();
    const last = entries[entries.length - 1];
    if (loadingMore || !last) return;
    const mine = generation;
    set({ loadingMore: true });
    try {
      const prefix = filter.trim();
      const page = await getClient().send('audit.list', {
        limit: AUDIT_PAGE_SIZE,
        beforeSeq: last.seq,
        ...(prefix ? { actionPrefix: prefix } : {}),
      });
      if (mine !== generation) return;
      const known = new Set(get().entries.map((e) => e.seq));
      set((s) => ({ entries: [...s.entries, ...page.entries.filter((e) => !known.has(e.seq))], total: page.total }));
    } catch (err) {
      if (mine === generation) toastError('Could not load older entries', err);
    } finally {
      set({ loadingMore: false });
    }
  },

  setFilter(prefix) {
    set({ filter: prefix });
    void get().load();
  },

  async runVerify() {
    set({ verify: { status: 'running', result: get().verify.result, error: null } });
    try {
      const result = await getClient().send('audit.verify', {});
      set({ verify: { status: 'done', result, error: null } });
    } catch (err) {
      set({ verify: { status: 'error', result: null, error: asErrorData(err) } });
    }
  },

  receive(entry) {
    const { status, entries, filter } = get();
    if (status !== 'ready') return; // the next load will include it
    const prefix = filter.trim();
    if (prefix && !entry.action.startsWith(prefix)) return;
    if (entries.some((e) => e.seq === entry.seq)) return;
    set((s) => ({
      entries: [entry, ...s.entries],
      total: s.total + 1,
      fresh: [...s.fresh, entry.seq].slice(-20),
      // A verified chain says nothing about entries added since.
      verify: s.verify.status === 'done' ? { status: 'idle', result: null, error: null } : s.verify,
    }));
  },
}));
