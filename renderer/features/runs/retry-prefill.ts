import type { LatheErrorData, RunSummary } from '../../../src/shared/contract/index.js';
import { defaultForm, type TrainForm } from './presets.js';

/** The Train form opened from a run's "Retry with new settings": every setting of that run, ready to change. */
export interface RetryPrefill {
  run: RunSummary;
  form: TrainForm;
  source: 'version' | 'recipe';
  /** The recipe the run mixed, to find the saved recipe it came from. */
  recipe: Array<{ datasetVersionId: string; ratio: number }> | null;
}

export type RetryState = { status: 'none' } | { status: 'loading' } | { status: 'ready'; prefill: RetryPrefill } | { status: 'error'; error: LatheErrorData };

export function prefillFromRun(run: RunSummary, startArgs: Record<string, unknown>): RetryPrefill {
  const recipe = Array.isArray(startArgs.recipe) ? (startArgs.recipe as RetryPrefill['recipe']) : null;
  const form: TrainForm = { ...defaultForm, ...(startArgs as Partial<TrainForm>), name: `${run.name} (retry)` };
  delete form.recipe;
  return { run, form, source: recipe ? 'recipe' : 'version', recipe };
}

/**
 * runs.retry's changes for a form: every field it sends, and null for each setting the old run had that the form
 * no longer sends (its recipe when retried on one version, say), so the retry is exactly what the form shows.
 */
export function retryChanges(payload: Record<string, unknown>, previous: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  // An empty name is left to the engine, which names the retry after the old run.
  for (const key of Object.keys(previous)) if (!(key in changes) && key !== 'name') changes[key] = null;
  return changes;
}
