import { useEffect, useMemo, useState } from 'react';
import type { ArgsOf, ExampleKind, LatheErrorData, RunEstimate, RunSummary } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { useRequest } from '../../stores/use-request.js';
import type { TrainForm } from './presets.js';
import { prefillFromRun, retryChanges, type RetryState } from './retry-prefill.js';
/*
 * The Train page's requests: the run a retry starts from, the kind of the chosen data, the estimate before launch,
 * and the launch itself (runs.start, or runs.retry of an earlier run).
 */

/** Starts the run the form describes; with `retryOf`, as a retry of that run (linked to it, which stays as it was). */
export async function launchRun(payload: ArgsOf<'runs.start'>, retryOf: RunSummary | null): Promise<RunSummary> {
  return retryOf
    ? getClient().send('runs.retry', { runId: retryOf.id, changes: retryChanges(payload, retryOf.startArgs ?? {}) })
    : getClient().send('runs.start', payload);
}

/** `#/train/retry/<runId>` → the run's settings; older runs without stored settings say so. */
export function useRetryPrefill(runId: string): RetryState {
  const { value: run, error, loading } = useRequest(async () => (runId ? getClient().send('runs.get', { runId }) : null), [runId]);
  return useMemo((): RetryState => {
    if (!runId) return { status: 'none' };
    if (error) return { status: 'error', error };
    if (loading || !run) return { status: 'loading' };
    if (!run.startArgs) {
      return { status: 'error', error: { code: 'NOT_FOUND', message: `Run ${run.name} was started by an older Lathe that did not keep its settings.`, hint: 'Fill in the form below; the run’s recipe on its page lists what it used.' } };
    }
    return { status: 'ready', prefill: prefillFromRun(run, run.startArgs) };
  }, [runId, run, error, loading]);
}

/** The kind of a version's first example (versions hold one kind in practice), or null while unknown. */
export function useVersionKind(versionId: string): ExampleKind | null {
  const { value: kind, error, loading } = useRequest(
    async () => (versionId ? ((await getClient().send('datasets.examples', { versionId, limit: 1 })).examples[0]?.content.kind ?? null) : null),
    [versionId],
  );
  // Unknown while it loads and when it cannot be read: the launch names a wrong pairing anyway.
  return loading || error ? null : kind;
}

export interface EstimateState {
  estimate: RunEstimate | null;
  error: LatheErrorData | null;
  loading: boolean;
}

/**
 * Memory and time before launch, asked of the engine (it reads the model's config.json and knows the
 * hardware), re-asked half a second after the settings stop changing.
 */
export function useEstimate(form: TrainForm): EstimateState {
  const [state, setState] = useState<EstimateState>({ estimate: null, error: null, loading: false });
  const dir = form.baseModelDir.trim();
  const key = JSON.stringify([dir, form.method, form.loraRank, form.maxSeqLen, form.microBatchSize, form.gradAccum, form.maxSteps, form.precision, form.gradientCheckpointing, form.device, form.devices.length, form.sharding, form.checkpointEvery, form.keepCheckpoints, form.objective]);
  useEffect(() => {
    if (!dir) {
      setState({ estimate: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      getClient()
        .send('runs.estimate', {
          baseModelDir: dir, method: form.method, loraRank: form.loraRank, maxSeqLen: form.maxSeqLen, microBatchSize: form.microBatchSize,
          gradAccum: form.gradAccum, maxSteps: form.maxSteps, precision: form.precision, gradientCheckpointing: form.gradientCheckpointing, device: form.device, objective: form.objective,
          worldSize: Math.max(1, form.devices.length), sharding: form.sharding, checkpointEvery: form.checkpointEvery, keepCheckpoints: form.keepCheckpoints,
        })
        .then((estimate) => live && setState({ estimate, error: null, loading: false }))
        .catch((err: unknown) => live && setState({ estimate: null, error: asErrorData(err), loading: false }));
    }, 500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` lists every field the estimate reads
  }, [key]);
  return state;
}
