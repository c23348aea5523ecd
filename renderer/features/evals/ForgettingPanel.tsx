import { useEffect, useState } from 'react';
import { Button } from '../../components/Button.js';
import { GaugeIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';
import { loadForgetting, runShippedSuite, type Forgetting } from './evals-checks-store.js';
import { signedPts, targetLabel, useEvaluate } from './evals-store.js';

/**
 * The forgetting check: the shipped general-skills suite on the candidate and on its base model. A drop means the
 * tuning (often continued pre-training) eroded general skills; the interval says whether the drop is real.
 */
export function ForgettingPanel() {
  const { evals, models, bId, refreshEvals } = useEvaluate();
  const cand = evals.find((e) => e.id === bId);
  const [result, setResult] = useState<Forgetting | null>(null);
  const [busy, setBusy] = useState(false);
  const target = cand ? { modelId: cand.modelId, adapterIds: cand.adapterIds } : null;
  const key = target ? `${target.modelId}:${target.adapterIds.join(',')}` : '';

  async function refresh() {
    if (!target) return setResult(null);
    try {
      setResult(await loadForgetting(target));
    } catch (err) {
      toastError('Could not read the forgetting check', err);
    }
  }
  useEffect(() => void refresh(), [key, evals.length]); // eslint-disable-line react-hooks/exhaustive-deps

  async function run() {
    if (!target) return;
    setBusy(true);
    try {
      await runShippedSuite('general-skills', [
        ...(result?.baseEvalId ? [] : [{ target: { modelId: target.modelId }, label: `${targetLabel(models, target.modelId, [])} · general skills` }]),
        ...(result?.tunedEvalId ? [] : [{ target, label: `${targetLabel(models, target.modelId, target.adapterIds)} · general skills` }]),
      ]);
      await refreshEvals();
      await refresh();
    } catch (err) {
      toastError('Could not run the general-skills suite', err);
    } finally {
      setBusy(false);
    }
  }

  const f1 = result?.comparison?.metrics.find((m) => m.metric === 'f1');
  const tone = f1 ? (f1.interval.high < 0 ? 'is-down' : f1.interval.low > 0 ? 'is-up' : '') : '';
  return (
    <section className="ev-card" aria-labelledby="ev-forget-title" data-testid="ev-forgetting">
      <h2 className="ev-card-title" id="ev-forget-title">General skills</h2>
      {!target && <p className="ev-muted">Pick a candidate eval (Compare · B) to check whether tuning cost general skills.</p>}
      {target && f1 && (
        <p className="ev-forget-line" data-testid="ev-forget-line">
          General skills: <span className={`ev-delta ${tone}`}>{signedPts(f1.interval.delta)} points</span>{' '}
          <span className="ev-muted">token F1, 95% interval [{signedPts(f1.interval.low)}, {signedPts(f1.interval.high)}] over {f1.interval.n} items · {targetLabel(models, target.modelId, target.adapterIds)} vs its base</span>
        </p>
      )}
      {target && !f1 && (
        <div className="ev-actions">
          <p className="ev-muted">
            {result?.status === 'missing-evals' ? 'The general-skills suite has not run on both the base and the tuned model yet.' : 'Run Lathe’s general-skills suite (36 facts, sums and instructions) on the base and the tuned model.'}
          </p>
          <Button icon={GaugeIcon} busy={busy} onClick={() => void run()} data-testid="ev-forget-run">Run general suite</Button>
        </div>
      )}
    </section>
  );
}
