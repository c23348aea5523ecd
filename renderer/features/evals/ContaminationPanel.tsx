import { useEffect, useState } from 'react';
import type { ContaminationReport } from '../../../src/shared/contract/features/hygiene.js';
import { Button } from '../../components/Button.js';
import { AlertTriangleIcon, CheckCircleIcon, SearchIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';
import { checkContamination } from './evals-checks-store.js';
import { useEvaluate } from './evals-store.js';

/**
 * Contamination: do the candidate eval's items overlap the data the model trained on? The training data is the
 * producing run's (found through the registry); a model without one is checked against a dataset the user picks.
 */
export function ContaminationPanel() {
  const { evals, datasets, bId } = useEvaluate();
  const done = evals.filter((e) => e.status === 'done');
  const [evalId, setEvalId] = useState('');
  const [trainingId, setTrainingId] = useState('');
  const [report, setReport] = useState<ContaminationReport | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = evalId || bId;

  async function check(quiet = false) {
    setBusy(true);
    try {
      setReport(await checkContamination(chosen, trainingId));
    } catch (err) {
      setReport(null);
      if (!quiet) toastError('Could not check contamination', err);
    } finally {
      setBusy(false);
    }
  }
  // A trained model's eval is checked against its run's data as soon as it is picked; without a run, the user picks.
  useEffect(() => {
    setReport(null);
    if (chosen && !trainingId) void check(true);
  }, [chosen]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="ev-card" aria-labelledby="ev-contam-title" data-testid="ev-contamination">
      <div className="ev-card-head">
        <h2 className="ev-card-title" id="ev-contam-title">Contamination</h2>
        {report && (
          <span className={`ev-badge ${report.flagged ? 'is-warn' : 'is-ok'}`} data-testid="ev-contam-badge">
            {report.flagged ? <AlertTriangleIcon size={14} /> : <CheckCircleIcon size={14} />}
            {report.flagged ? `${report.flagged} of ${report.evalItems} items overlap training data` : `No item overlaps training data`}
          </span>
        )}
      </div>
      <p className="ev-muted">Eval items whose question and answer share {report?.n ?? 8}-word sequences with the training data measure memory, not skill.</p>
      <div className="ev-form ev-form-compare">
        <label className="field">
          <span className="field-label">Eval</span>
          <span className="select-input">
            <select value={chosen} onChange={(e) => setEvalId(e.target.value)} data-testid="ev-contam-eval">
              <option value="">Pick an eval</option>
              {done.map((e) => <option key={e.id} value={e.id}>{e.label}</option>)}
            </select>
          </span>
        </label>
        <label className="field">
          <span className="field-label">Training data</span>
          <span className="select-input">
            <select value={trainingId} onChange={(e) => setTrainingId(e.target.value)} data-testid="ev-contam-training">
              <option value="">The model’s training run</option>
              {datasets.filter((d) => d.latestVersion).map((d) => <option key={d.id} value={d.latestVersion!.id}>{d.name} v{d.latestVersion!.number}</option>)}
            </select>
          </span>
        </label>
        <span />
        <Button icon={SearchIcon} busy={busy} disabled={!chosen} onClick={() => void check(false)} data-testid="ev-contam-check">Check</Button>
      </div>
      {report && (
        <>
          <p className="ev-muted" data-testid="ev-contam-summary">
            {report.evalItems} items against {report.trainingExamples.toLocaleString()} training examples of {report.trainingVersions.map((v) => v.label).join(', ')} · flagged at ≥ {Math.round(report.threshold * 100)}% of an item’s {report.n}-grams · {(report.ms / 1000).toFixed(2)} s
          </p>
          {report.items.length > 0 && (
            <ul className="ev-contam-list">
              {report.items.map((i) => (
                <li key={i.position} className={i.flagged ? 'is-flagged' : ''}>
                  <details>
                    <summary>
                      <span className="ev-contam-pct">{Math.round(i.overlap * 100)}%</span>
                      <span className="ev-contam-prompt">#{i.position + 1} {i.prompt}</span>
                      <span className="ev-muted">{i.matches.length} match{i.matches.length === 1 ? '' : 'es'}</span>
                    </summary>
                    {i.matches.map((m) => (
                      <div key={`${m.versionId}:${m.position}`} className="ev-contam-match">
                        <div className="ev-muted">Training example #{m.position + 1} · {m.sharedGrams} shared {report.n}-grams · <code>{m.contentHash.slice(0, 12)}</code></div>
                        <p className="ev-text ev-contam-snippet">{m.snippet.before}<mark>{m.snippet.match}</mark>{m.snippet.after}</p>
                      </div>
                    ))}
                  </details>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
