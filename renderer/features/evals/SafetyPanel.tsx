import { useEffect, useState } from 'react';
import type { CanaryLeak, SafetyReport } from '../../../src/shared/contract/features/hygiene.js';
import { Button } from '../../components/Button.js';
import { ShieldCheckIcon } from '../../components/icons.js';
import { toastError, useToasts } from '../../stores/toasts.js';
import { installedSuiteVersion, loadSafetyReport, probeCanaries, runShippedSuite } from './evals-checks-store.js';
import { addGateCriteria } from './evals-gate-store.js';
import { pts, targetLabel, useEvaluate } from './evals-store.js';

interface Side { label: string; report: SafetyReport | null }

/**
 * Safety checks for the candidate (Compare · B) and its base: the shipped safety suite scored by the project's
 * refusal policy, and PII canaries from the training data probed through the model. Both can become release criteria.
 */
export function SafetyPanel() {
  const { evals, models, datasets, bId, refreshEvals } = useEvaluate();
  const cand = evals.find((e) => e.id === bId);
  const [suiteVersion, setSuiteVersion] = useState<string | null>(null);
  const [sides, setSides] = useState<Side[]>([]);
  const [trainingId, setTrainingId] = useState('');
  const [leaks, setLeaks] = useState<{ probes: number; leaks: CanaryLeak[] } | null>(null);
  const [busy, setBusy] = useState('');
  const targets = cand ? [{ modelId: cand.modelId, adapterIds: [] as string[] }, { modelId: cand.modelId, adapterIds: cand.adapterIds }] : [];

  useEffect(() => {
    void installedSuiteVersion('safety').then(setSuiteVersion).catch(() => undefined);
  }, []);
  useEffect(() => {
    if (!suiteVersion || !cand) return setSides([]);
    const latest = (t: { modelId: string; adapterIds: string[] }) => evals.find((e) => e.status === 'done' && e.datasetVersionId === suiteVersion && e.modelId === t.modelId && e.adapterIds.join() === t.adapterIds.join());
    void Promise.all(targets.map(async (t) => {
      const e = latest(t);
      return { label: targetLabel(models, t.modelId, t.adapterIds), report: e ? await loadSafetyReport(e.id) : null };
    })).then(setSides).catch((err) => toastError('Could not score the safety evals', err));
  }, [suiteVersion, bId, evals]); // eslint-disable-line react-hooks/exhaustive-deps

  async function act(name: string, fn: () => Promise<void>) {
    setBusy(name);
    try {
      await fn();
    } catch (err) {
      toastError('The safety check failed', err);
    } finally {
      setBusy('');
    }
  }
  const runSuite = () => act('suite', async () => {
    const versionId = await runShippedSuite('safety', targets.filter((_, i) => !sides[i]?.report).map((t) => ({ target: t, label: `${targetLabel(models, t.modelId, t.adapterIds)} · safety` })));
    setSuiteVersion(versionId);
    await refreshEvals();
  });
  const probe = () => act('canary', async () => {
    const t = targets[1]!;
    setLeaks(await probeCanaries(t, trainingId, `${targetLabel(models, t.modelId, t.adapterIds)} · PII canaries`));
    await refreshEvals();
  });
  const addCriteria = () => act('gate', async () => {
    await addGateCriteria([{ kind: 'no-safety-regressions' }, { kind: 'no-canary-leaks' }]);
    useToasts.getState().push({ tone: 'success', title: 'Release criteria updated', message: 'Added: no safety regressions against the base, no PII canary reproduced.', hint: null });
  });

  return (
    <section className="ev-card" aria-labelledby="ev-safety-title" data-testid="ev-safety">
      <div className="ev-card-head">
        <h2 className="ev-card-title" id="ev-safety-title">Safety</h2>
        <Button size="sm" busy={busy === 'gate'} onClick={() => void addCriteria()} data-testid="ev-safety-gate">Add to release criteria</Button>
      </div>
      {!cand && <p className="ev-muted">Pick a candidate eval (Compare · B) to check its refusals and PII leaks against its base.</p>}
      {cand && (
        <>
          <table className="data-table" data-testid="ev-safety-table">
            <thead><tr><th>Model</th><th className="col-num">Refused</th><th className="col-num">Correct behaviour</th><th>By category (correct / items)</th></tr></thead>
            <tbody>
              {targets.map((t, i) => {
                const r = sides[i]?.report;
                return (
                  <tr key={i}>
                    <td>{sides[i]?.label ?? targetLabel(models, t.modelId, t.adapterIds)}</td>
                    <td className="col-num">{r ? `${pts(r.refused)}%` : '—'}</td>
                    <td className="col-num">{r ? `${pts(r.correctBehaviour)}%` : '—'}</td>
                    <td className="ev-muted">{r ? Object.entries(r.byCategory).map(([c, v]) => `${c} ${v.correct}/${v.items}`).join(' · ') : 'not run'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {sides.some((s) => !s.report) || sides.length === 0 ? (
            <div className="ev-actions">
              <Button icon={ShieldCheckIcon} busy={busy === 'suite'} onClick={() => void runSuite()} data-testid="ev-safety-run">Run safety suite</Button>
              <span className="ev-muted">Harmful, privacy and out-of-domain asks to refuse; in-domain controls to answer.</span>
            </div>
          ) : null}
          <h3 className="ev-sub-title">PII canaries</h3>
          <div className="ev-actions">
            <span className="select-input">
              <select aria-label="Training data to take canaries from" value={trainingId} onChange={(e) => setTrainingId(e.target.value)} data-testid="ev-canary-training">
                <option value="">Training data…</option>
                {datasets.filter((d) => d.latestVersion).map((d) => <option key={d.id} value={d.latestVersion!.id}>{d.name} v{d.latestVersion!.number}</option>)}
              </select>
            </span>
            <Button busy={busy === 'canary'} disabled={!trainingId} onClick={() => void probe()} data-testid="ev-canary-run">Probe the candidate</Button>
          </div>
          {leaks && (
            <p className={`ev-verdict ${leaks.leaks.length ? 'is-fail' : 'is-pass'}`} data-testid="ev-canary-result">
              {leaks.leaks.length ? `${leaks.leaks.length} of ${leaks.probes} canaries reproduced: ${leaks.leaks.map((l) => l.canary).join(', ')}` : `None of ${leaks.probes} canaries reproduced`}
            </p>
          )}
        </>
      )}
    </section>
  );
}
