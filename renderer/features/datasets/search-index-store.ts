import { create } from 'zustand';
import type { EventPayload } from '../../../src/shared/contract/index.js';

/** The engine's search index catching up after a big import (job kind 'dataset.search-index'). */
interface SearchIndexState {
  indexing: { fraction: number | null; message: string } | null;
  receiveProgress(event: EventPayload<'job.progress'>): void;
}

export const useSearchIndex = create<SearchIndexState>((set) => ({
  indexing: null,
  receiveProgress(event) {
    if (event.kind !== 'dataset.search-index') return;
    set({ indexing: event.state === 'running' ? { fraction: event.fraction, message: event.message } : null });
  },
}));
