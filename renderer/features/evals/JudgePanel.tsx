import { useEffect, useMemo, useState } from 'react';
import type { Judging } from '../../../src/shared/contract/features/evals.js';
import { Button } from '../../components/Button.js';
import { toastError } from '../../stores/toasts.js';
import { judgeEval, listJudgings } from './evals-compare-store.js';
import { useEvaluate } from './evals-store.js';
import { modelWithQuant } from '../../lib/format.js';

const DEFAULT_RUBRIC = 'Score 5 when the answer states the same facts as the reference, 3 when it is partly right, 1 when it is wrong, off-topic or empty.';

/** LLM-as-judge for one eval: a local judge model and a written rubric; every verdict is kept with its prompt. */
export function JudgePanel({ evalId }: { evalId: string }) {
  const all = useEvaluate((s) => s.models);
  const models = useMemo(() => all.filter((m) => m.kind === 'gguf'), [all]);
  const [judgeId, setJudgeId] = useState('');
  const [rubric, setRubric] = useState(DEFAULT_RUBRIC);
  const [judging, setJudging] = useState<Judging | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!judgeId && models[0]) setJudgeId(models[0].id);
  }, [models, judgeId]);
  useEffect(() => {
    listJudgings(evalId).then((judgings) => setJudging(judgings[0] ?? null), () => setJudging(null));
  }, [evalId]);

  const run = async () => {
    setBusy(true);
    try {
      setJudging(await judgeEval(evalId, judgeId, rubric));
    } catch (err) {
      toastError('The judge stopped', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="ev-judge" data-testid="ev-judge">
      <summary>
        LLM judge{judging ? <span className="ev-muted"> · mean {judging.meanScore?.toFixed(2) ?? '—'} / 5 over {judging.judged - judging.unparsed} verdicts{judging.unparsed ? `, ${judging.unparsed} unreadable` : ''}</span> : <span className="ev-muted"> · not run</span>}
      </summary>
      <div className="ev-judge-form">
        <label className="field">
          <span className="field-label">Judge model</span>
          <span className="select-input">
            <select value={judgeId} onChange={(e) => setJudgeId(e.target.value)} disabled={busy} data-testid="ev-judge-model">
              {models.map((m) => <option key={m.id} value={m.id}>{modelWithQuant(m)}</option>)}
            </select>
          </span>
        </label>
        <label className="field">
          <span className="field-label">Rubric</span>
          <textarea className="ev-textarea" rows={3} value={rubric} onChange={(e) => setRubric(e.target.value)} disabled={busy} data-testid="ev-judge-rubric" />
        </label>
        <Button size="sm" busy={busy} disabled={!judgeId || rubric.trim().length < 10} onClick={() => void run()} data-testid="ev-judge-run">Judge the answers</Button>
      </div>
      {judging && (
        <ul className="ev-judge-items" data-testid="ev-judge-items">
          {judging.items.map((i) => (
            <li key={i.position}>
              <strong>#{i.position + 1}</strong> {i.score === null ? <span className="ev-muted">unreadable verdict</span> : <span>{i.score} / 5</span>} {i.reason && <span className="ev-muted">— {i.reason}</span>}
              <details><summary className="ev-muted">Prompt and raw verdict</summary><pre className="ev-pre">{i.prompt}{'\n\n→ '}{i.raw}</pre></details>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
