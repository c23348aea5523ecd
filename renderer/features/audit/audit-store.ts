import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type { AuditEntry, AuditVerifyResult, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { AUDIT_FAMILIES, type AuditFamily } from '../../../src/shared/contract/features/audit.js';
import { getClient, useConnection } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { toastError } from '../../stores/toasts.js';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditExtraFilter { family: AuditFamily | ''; actor: string; objectType: string; objectId: string; from: string; to: string; text: string }
export interface ExportOutcome { path: string; entries: number; sha256: string; complete: boolean }
const NO_EXTRA: AuditExtraFilter = { family: '', actor: '', objectType: '', objectId: '', from: '', to: '', text: '' };

/** The filter as handler arguments: empty fields left out; dates widened to whole days. */
function filterArgs(prefix: string, extra: AuditExtraFilter) {
  const args: { family?: AuditFamily } & Record<string, string> = {};
  if (prefix.trim()) args.actionPrefix = prefix.trim();
  if (extra.family) args.family = extra.family;
  if (extra.objectId) args.objectId = extra.objectId;
  if (extra.actor) args.actor = extra.actor;
  if (extra.objectType) args.objectType = extra.objectType;
  if (extra.text.trim()) args.text = extra.text.trim();
  if (extra.from) args.from = `${extra.from}T00:00:00.000Z`;
  if (extra.to) args.to = `${extra.to}T23:59:59.999Z`;
  return args;
}

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface VerifyState {
  status: 'idle' | 'running' | 'done' | 'error';
  result: AuditVerifyResult | null;
  error: LatheErrorData | null;
}

interface AuditStore {
  entries: AuditEntry[];
  /** What the entries' objects are called, keyed "objectType:objectId" (audit.list's names). */
  names: Record<string, string>;
  total: number;
  status: LoadStatus;
  error: LatheErrorData | null;
  loadingMore: boolean;
  /** Action prefix filter, e.g. "dataset." */
  filter: string;
  /** The other filters: actor, object type, time range, text in the details. */
  extra: AuditExtraFilter;
  /** Entries that arrived live, so the table can mark them briefly. */
  fresh: number[];
  verify: VerifyState;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(prefix: string): void;
  setExtra(change: Partial<AuditExtraFilter>): void;
  /** A family chip replaces a typed action prefix (both narrow the actions shown). */
  setFamily(family: AuditFamily | ''): void;
  /** Back to the whole log. */
  clearFilters(): void;
  /** Writes an export of what the filters match and hands the file to the browser as a download. */
  exportAs(format: 'json' | 'csv'): Promise<ExportOutcome | null>;
  runVerify(): Promise<void>;
  receive(entry: AuditEntry): void;
}

// Bumped by every reload so a slow answer to an older filter never overwrites a newer one.
let generation = 0;

export const useAudit = create<AuditStore>((set, get) => ({
  entries: [],
  names: {},
  total: 0,
  status: 'idle',
  error: null,
  loadingMore: false,
  filter: '',
  extra: NO_EXTRA,
  fresh: [],
  verify: { status: 'idle', result: null, error: null },

  async load() {
    const mine = ++generation;
    set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
    try {
      const page = await getClient().send('audit.list', { limit: AUDIT_PAGE_SIZE, ...filterArgs(get().filter, get().extra) });
      if (mine !== generation) return;
      set({ entries: page.entries, names: page.names, total: page.total, status: 'ready', error: null, fresh: [] });
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
      const page = await getClient().send('audit.list', { limit: AUDIT_PAGE_SIZE, beforeSeq: last.seq, ...filterArgs(filter, get().extra) });
      if (mine !== generation) return;
      const known = new Set(get().entries.map((e) => e.seq));
      set((s) => ({ entries: [...s.entries, ...page.entries.filter((e) => !known.has(e.seq))], names: { ...s.names, ...page.names }, total: page.total }));
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

  setExtra(change) {
    set((s) => ({ extra: { ...s.extra, ...change } }));
    void get().load();
  },

  setFamily(family) {
    set((s) => ({ filter: '', extra: { ...s.extra, family } }));
    void get().load();
  },

  clearFilters() {
    set({ filter: '', extra: NO_EXTRA });
    void get().load();
  },

  async exportAs(format) {
    try {
      const r = await getClient().send('audit.export', { format, includeContent: true, ...filterArgs(get().filter, get().extra) });
      if (r.content !== null) {
        const url = URL.createObjectURL(new Blob([r.content], { type: format === 'json' ? 'application/json' : 'text/csv' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = r.path.split(/[\\/]/).pop() ?? `audit.${format}`;
        a.click();
        window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
      return { path: r.path, entries: r.entries, sha256: r.sha256, complete: r.complete };
    } catch (err) {
      toastError('Could not export the audit log', err);
      return null;
    }
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
    const { status, entries, filter, extra } = get();
    if (status !== 'ready') return; // the next load will include it
    const prefix = filter.trim();
    if (prefix && !entry.action.startsWith(prefix)) return;
    if (extra.family && !AUDIT_FAMILIES[extra.family].some((p) => entry.action.startsWith(p))) return;
    if (Object.entries(extra).some(([k, v]) => k !== 'family' && v !== '')) return; // the engine decides what matches; shown on the next load
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

export type AuditFacets = ResultOf<'audit.facets'>;

/**
 * The actors and object types the log holds, for the filter pickers (audit.facets). New entries may bring a new
 * actor or object type: asked again when the newest entry changes; a failed answer keeps the last lists.
 */
export function useAuditFacets(): AuditFacets {
  const open = useConnection((s) => s.status === 'open');
  const newest = useAudit((s) => s.entries[0]?.seq ?? 0);
  const [facets, setFacets] = useState<AuditFacets>({ actors: [], objectTypes: [] });
  useEffect(() => {
    if (!open) return;
    getClient().send('audit.facets', {}).then(setFacets, () => undefined);
  }, [open, newest]);
  return facets;
}
