import { create } from 'zustand';
import type { ChatModel } from '../../../src/shared/contract/features/playground.js';
import type { DatasetSummary } from '../../../src/shared/contract/index.js';
import type { EvalSummary } from '../../../src/shared/contract/features/evals.js';
import { getClient } from '../../stores/connection.js';
import { toastError } from '../../stores/toasts.js';

interface EvaluateStore {
  loaded: boolean;
  models: ChatModel[];
  datasets: DatasetSummary[];
  evals: EvalSummary[];
  /** The eval whose items are shown. */
  openId: string | null;
  /** Compare: a is the baseline, b the candidate. */
  aId: string;
  bId: string;
  load(): Promise<void>;
  refreshEvals(): Promise<void>;
  set(patch: Partial<Pick<EvaluateStore, 'openId' | 'aId' | 'bId'>>): void;
}

export const useEvaluate = create<EvaluateStore>((set) => ({
  loaded: false,
  models: [],
  datasets: [],
  evals: [],
  openId: null,
  aId: '',
  bId: '',
  async load() {
    try {
      const client = getClient();
      const [m, d, e] = await Promise.all([client.send('playground.models', {}), client.send('datasets.list', {}), client.send('evals.list', {})]);
      set({ models: m.models, datasets: d.datasets, evals: e.evals, loaded: true });
      pickDefaults();
    } catch (err) {
      toastError('Could not load evaluations', err);
    }
  },
  async refreshEvals() {
    const { evals } = await getClient().send('evals.list', {});
    set({ evals });
    pickDefaults();
  },
  set(patch) {
    set(patch);
  },
}));

/**
 * Preselects, while the user has not picked a complete pair: the newest finished adapter eval as B (candidate)
 * and the newest finished base-model eval on the same data as A (baseline).
 */
function pickDefaults() {
  const { evals, aId, bId } = useEvaluate.getState();
  const done = evals.filter((e) => e.status === 'done');
  if (done.some((e) => e.id === aId) && done.some((e) => e.id === bId)) return;
  const b = done.find((e) => e.adapterIds.length > 0) ?? done[0];
  const a = done.find((e) => e.id !== b?.id && e.adapterIds.length === 0 && e.datasetVersionId === b?.datasetVersionId && e.split === b?.split);
  useEvaluate.setState({ aId: a?.id ?? '', bId: b?.id ?? '' });
}

export const pts = (x: number | null | undefined) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1));
export const signedPts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;

export function targetLabel(models: ChatModel[], modelId: string, adapterIds: string[]): string {
  const name = (id: string) => models.find((m) => m.id === id)?.name ?? id.slice(0, 8);
  return [name(modelId), ...adapterIds.map(name)].join(' + ');
}

/** What "Run an evaluation" was set to: kept while the person visits other pages, so coming back finds it as left. */
export interface EvalFormChoice {
  modelId: string;
  adapterId: string;
  datasetId: string;
  versionId: string;
  split: 'test' | 'validation' | 'all';
  maxTokens: number;
  task: 'qa' | 'classification' | 'structured';
  /**
   * With an adapter chosen: evaluate the base model alone first, on the same items, and compare the two. Null: decided
   * for the person — on while the base model has no finished eval on those items.
   */
  withBase: boolean | null;
}

export const useEvalForm = create<EvalFormChoice & { setChoice(patch: Partial<EvalFormChoice>): void }>((set) => ({
  modelId: '',
  adapterId: '',
  datasetId: '',
  versionId: '',
  split: 'test',
  maxTokens: 64,
  task: 'qa',
  withBase: null,
  setChoice: (patch) => set(patch),
}));
