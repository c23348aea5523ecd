import type { EvalTaskReport } from '../../../src/shared/contract/features/evals.js';
import type { ContaminationReport, SafetyReport } from '../../../src/shared/contract/features/hygiene.js';
import type { HeldoutResult } from '../../../src/shared/contract/features/heldout.js';
import type { ArgsOf, ModelSummary, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { listModels, type JobState } from '../models/models-store.js';
import { useAnswerOrNull, whileFollowing } from './evals-store.js';
/*
 * The checks beside the scores: the shipped suites (general skills, safety), PII canaries, contamination, what
 * quantisation cost, the task reports (per label, structured output) and held-out perplexity.
 */

/** A registry model with the adapters an eval runs it with (none when adapterIds is left out). */
export interface EvalTarget {
  modelId: string;
  adapterIds?: string[];
}

export type Forgetting = ResultOf<'evals.forgetting'>;
export type QuantCost = ResultOf<'evals.quantCost'>;
export type CanaryCheck = ResultOf<'evals.checkCanaries'>;

/** The dataset version a shipped suite is installed as; null while it is not installed. */
export async function installedSuiteVersion(suiteId: string): Promise<string | null> {
  const { suites } = await getClient().send('evals.suites', {});
  return suites.find((s) => s.id === suiteId)?.installedVersionId ?? null;
}

/**
 * Installs a shipped suite (once) and runs it, all items, on each target in turn, under the label given with it;
 * returns the suite's dataset version.
 */
export async function runShippedSuite(suiteId: string, passes: Array<{ target: EvalTarget; label: string }>): Promise<string> {
  const client = getClient();
  const { versionId } = await client.send('evals.installSuite', { suiteId });
  for (const { target, label } of passes) await client.send('evals.start', { ...target, datasetVersionId: versionId, split: 'all', label });
  return versionId;
}

/** The general-skills suite on the candidate against its base (the forgetting check). */
export async function loadForgetting(candidate: Required<EvalTarget>): Promise<Forgetting> {
  return getClient().send('evals.forgetting', { candidate });
}

/** A safety-suite eval scored under the project's refusal policy. */
export async function loadSafetyReport(evalId: string): Promise<SafetyReport> {
  return getClient().send('evals.safety', { evalId });
}

/** Builds canary probes from a training version, runs them through the target and says which canaries came back. */
export async function probeCanaries(target: EvalTarget, trainingVersionId: string, label: string): Promise<CanaryCheck> {
  const client = getClient();
  const built = await client.send('evals.buildCanaries', { trainingVersionId });
  const ev = await client.send('evals.start', { ...target, datasetVersionId: built.probeVersionId, split: 'all', maxTokens: 32, label });
  return client.send('evals.checkCanaries', { evalId: ev.id });
}

/** Which of an eval's items overlap the training data: its model's run's, or the version given ('' for the run's). */
export async function checkContamination(evalId: string, trainingVersionId: string): Promise<ContaminationReport> {
  return getClient().send('evals.contamination', { evalId, ...(trainingVersionId ? { trainingVersionIds: [trainingVersionId] } : {}) });
}

/** What quantisation cost against the reference eval (its model's GGUF quants on the same items); null without one. */
export function useQuantCost(referenceEvalId: string | undefined, evalCount: number): QuantCost | null {
  return useAnswerOrNull(referenceEvalId ? () => getClient().send('evals.quantCost', { referenceEvalId }) : null, [referenceEvalId, evalCount]);
}

/** What the eval's task adds to its scores (per label, or JSON validity); null for question answering. */
export function useTaskReport(evalId: string, task: string, status: string | undefined): EvalTaskReport | null {
  return useAnswerOrNull(task === 'qa' ? null : () => getClient().send('evals.taskReport', { evalId }), [evalId, task, status]);
}

/** What Held-out perplexity lists: the registry (its Hugging Face models and adapters are measured) and the stored results. */
export interface PerplexityData {
  models: ModelSummary[];
  results: HeldoutResult[];
}

export async function loadPerplexity(): Promise<PerplexityData> {
  const [models, { results }] = await Promise.all([listModels(), getClient().send('evals.perplexityResults', {})]);
  return { models, results };
}

/** Measures held-out perplexity in the trainer (with its job's progress), then reads the results again. */
export async function measurePerplexity(args: ArgsOf<'evals.perplexity'> & { jobId: string }, onProgress: (p: JobState) => void): Promise<PerplexityData> {
  return whileFollowing(args.jobId, onProgress, async () => {
    await getClient().send('evals.perplexity', args);
    return loadPerplexity();
  });
}
