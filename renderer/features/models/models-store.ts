import { create } from 'zustand';
import type { ArgsOf, GgufOuttype, LatheErrorData, ModelSummary, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface JobState {
  fraction: number | null;
  message: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
}

interface ModelsStore {
  models: ModelSummary[];
  status: LoadStatus;
  error: LatheErrorData | null;
  load(): Promise<void>;
}

/** The registry as the Models and Export pages show it. */
export const useModels = create<ModelsStore>((set) => ({
  models: [],
  status: 'idle',
  error: null,
  async load() {
    set((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
    try {
      const models = await listModels();
      set({ models, status: 'ready', error: null });
    } catch (err) {
      set({ status: 'error', error: asErrorData(err) });
    }
  },
}));

/** The registry, newest first (models.list): for the store above, and for pages that only pick from it. */
export async function listModels(): Promise<ModelSummary[]> {
  return (await getClient().send('models.list', {})).models;
}

/** One model with the model it was made from and the models made from it. */
export async function loadModelDetail(modelId: string): Promise<ResultOf<'models.get'>> {
  return getClient().send('models.get', { modelId });
}

/** Reads a model folder or .gguf on the engine's machine (headers only); registers nothing. */
export async function inspectModel(path: string): Promise<ResultOf<'models.inspect'>> {
  return getClient().send('models.inspect', { path });
}

/** Registers a model (hashing it under `jobId`'s progress), in place or copied. */
export async function importModel(args: ArgsOf<'models.import'>): Promise<ResultOf<'models.import'>> {
  return getClient().send('models.import', args);
}

/** Converts a model to GGUF as `outtype`, with progress under `jobId`. */
export async function convertModel(modelId: string, outtype: GgufOuttype, jobId: string): Promise<ResultOf<'models.convert'>> {
  return getClient().send('models.convert', { modelId, outtype, jobId });
}

/** Follows one job's job.progress events until it ends; returns the function that stops listening. */
export function followJob(jobId: string, onUpdate: (s: JobState) => void): () => void {
  return getClient().listen('job.progress', (p) => {
    if (p.jobId === jobId) onUpdate({ fraction: p.fraction, message: p.message, state: p.state });
  });
}

export function newJobId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function formatParams(n: number | null): string {
  if (!n) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

export const KIND_LABEL: Record<ModelSummary['kind'], string> = {
  base: 'Base', adapter: 'Adapter', merged: 'Merged', gguf: 'GGUF', 'gguf-lora': 'GGUF LoRA',
};
