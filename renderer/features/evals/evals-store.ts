import { create } from 'zustand';
import type { ChatModel } from '../../../src/shared/contract/features/playground.js';
import type { ArgsOf, DatasetSummary, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import type { EvalItem, EvalSummary } from '../../../src/shared/contract/features/evals.js';
import { getClient } from '../../stores/connection.js';
import { toastError } from '../../stores/toasts.js';
import { useRequest } from '../../stores/use-request.js';
import { followJob, type JobState } from '../models/models-store.js';

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

export type DatasetVersionChoice = ResultOf<'datasets.versions'>['versions'][number];

/** A dataset's versions, newest first: the Version pickers of New evaluation and Held-out perplexity. */
export async function loadDatasetVersions(datasetId: string): Promise<DatasetVersionChoice[]> {
  const { versions } = await getClient().send('datasets.versions', { datasetId });
  return versions;
}

/** Waits for `work` (a request that runs job `jobId`), passing the job's job.progress to onProgress meanwhile. */
export async function whileFollowing<T>(jobId: string, onProgress: (p: JobState) => void, work: () => Promise<T>): Promise<T> {
  const stop = followJob(jobId, onProgress);
  try {
    return await work();
  } finally {
    stop();
  }
}

/** Runs one eval to its end (evals.start answers when every item is done), with its job's progress. */
export async function runEval(args: ArgsOf<'evals.start'> & { jobId: string }, onProgress: (p: JobState) => void): Promise<EvalSummary> {
  return whileFollowing(args.jobId, onProgress, () => getClient().send('evals.start', args));
}

/** One eval's per-item outputs and scores; asked again when its status changes (a running eval adds items). */
export function useEvalItems(evalId: string, status: string | undefined): { items: EvalItem[] | null; error: LatheErrorData | null } {
  const { value: items, error } = useRequest(() => getClient().send('evals.items', { evalId }).then((r) => r.items), [evalId, status]);
  return { items, error };
}

/**
 * The answer of `ask` for the current inputs (`deps`), or null: while there is nothing to ask (`ask` null) and when
 * asking failed. For the panels that show a report only when there is one.
 */
export function useAnswerOrNull<T>(ask: (() => Promise<T>) | null, deps: unknown[]): T | null {
  const { value } = useRequest(() => (ask ? ask().catch(() => null) : Promise.resolve(null)), deps);
  return ask ? value : null;
}
