import { create } from 'zustand';
import type { DatasetSummary, DatasetVersion, LatheErrorData } from '../../src/shared/contract/index.js';
import { getClient } from './connection.js';
import { asErrorData } from './errors.js';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface VersionsState {
  status: LoadStatus;
  /** Newest first, as the engine returns them. */
  versions: DatasetVersion[];
  error: LatheErrorData | null;
}

interface DatasetsStore {
  datasets: DatasetSummary[];
  status: LoadStatus;
  /** True while a (re)load is in flight, also when an older list is still on screen. */
  loading: boolean;
  error: LatheErrorData | null;
  /** Versions per dataset id, loaded when a dataset is opened. */
  versions: Record<string, VersionsState>;
  load(): Promise<void>;
  loadVersions(datasetId: string): Promise<void>;
  /** After an import (ours or anyone's): reload the list and every version list already on screen. */
  refresh(): void;
}

// Bumped by every list load so an older, slower answer never overwrites a newer one.
let generation = 0;
const versionGenerations = new Map<string, number>();

export const useDatasets = create<DatasetsStore>((set, get) => ({
  datasets: [],
  status: 'idle',
  loading: false,
  error: null,
  versions: {},

  async load() {
    const mine = ++generation;
    set({ status: get().status === 'ready' ? 'ready' : 'loading', loading: true, error: null });
    try {
      const { datasets } = await getClient().send('datasets.list', {});
      if (mine !== generation) return;
      // Newest first: the dataset you just imported is the one you look for.
      const sorted = [...datasets].sort((a, b) => latestAt(b).localeCompare(latestAt(a)));
      set({ datasets: sorted, status: 'ready', loading: false, error: null });
    } catch (err) {
      if (mine !== generation) return;
      set({ status: 'error', loading: false, error: asErrorData(err) });
    }
  },

  async loadVersions(datasetId) {
    const mine = (versionGenerations.get(datasetId) ?? 0) + 1;
    versionGenerations.set(datasetId, mine);
    const current = get().versions[datasetId];
    set((s) => ({
      versions: {
        ...s.versions,
        [datasetId]: { status: current?.status === 'ready' ? 'ready' : 'loading', versions: current?.versions ?? [], error: null },
      },
    }));
    try {
      const { versions } = await getClient().send('datasets.versions', { datasetId });
      if (versionGenerations.get(datasetId) !== mine) return;
      set((s) => ({ versions: { ...s.versions, [datasetId]: { status: 'ready', versions, error: null } } }));
    } catch (err) {
      if (versionGenerations.get(datasetId) !== mine) return;
      set((s) => ({
        versions: {
          ...s.versions,
          [datasetId]: { status: 'error', versions: s.versions[datasetId]?.versions ?? [], error: asErrorData(err) },
        },
      }));
    }
  },

  refresh() {
    const { status, versions, load, loadVersions } = get();
    if (status !== 'idle') void load();
    for (const id of Object.keys(versions)) void loadVersions(id);
  },
}));

function latestAt(d: DatasetSummary): string {
  return d.latestVersion?.createdAt ?? d.createdAt;
}
