import { useEffect } from 'react';
import { toastError } from '../../stores/toasts.js';
import { pts, useEvalItems, useEvaluate } from './evals-store.js';
import { JudgePanel } from './JudgePanel.js';
import { TaskReportPanel } from './TaskReportPanel.js';

const STATUS: Record<string, string> = { done: 'Done', running: 'Running', failed: 'Failed', cancelled: 'Stopped' };
const STATUS_CLASS: Record<string, string> = { done: 'completed', running: 'running', failed: 'failed', cancelled: 'interrupted' };

/** Every eval with its mean scores; a row opens its per-item table. */
export function EvalList() {
  const { evals, openId, set } = useEvaluate();
  return (
    <section className="ev-card" aria-labelledby="ev-list-title">
      <h2 className="ev-card-title" id="ev-list-title">Evaluations</h2>
      {evals.length === 0 ? (
        <p className="ev-muted">Run an evaluation above; its scores appear here.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" data-testid="ev-list">
            <thead>
              <tr><th>Model · data</th><th>Status</th><th className="col-num">Items</th><th className="col-num">Exact</th><th className="col-num">F1</th><th className="col-num">ROUGE-L</th><th className="col-num">ms / item</th></tr>
            </thead>
            <tbody>
              {evals.map((e) => (
                <tr key={e.id} className={e.id === openId ? 'is-selected' : ''} data-testid="ev-row">
                  <td>
                    <button type="button" className="ev-link" onClick={() => set({ openId: e.id === openId ? null : e.id })} aria-expanded={e.id === openId}>{e.label}</button>
                  </td>
                  <td><span className={`run-status is-${STATUS_CLASS[e.status]}`}><span className="run-status-dot" />{STATUS[e.status]}</span></td>
                  <td className="col-num">{e.doneItems} / {e.itemCount}</td>
                  <td className="col-num">{pts(e.scores?.exact)}</td>
                  <td className="col-num" data-testid="ev-f1">{pts(e.scores?.f1)}</td>
                  <td className="col-num">{pts(e.scores?.rougeL)}</td>
                  <td className="col-num">{e.meanLatencyMs === null ? '—' : Math.round(e.meanLatencyMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {openId && <EvalItems evalId={openId} />}
    </section>
  );
}

function EvalItems({ evalId }: { evalId: string }) {
  const status = useEvaluate((s) => s.evals.find((e) => e.id === evalId)?.status);
  const task = useEvaluate((s) => s.evals.find((e) => e.id === evalId)?.task ?? 'qa');
  const { items, error } = useEvalItems(evalId, status);
  useEffect(() => {
    if (error) toastError('Could not load the items', error);
  }, [error]);
  if (!items) return null;
  return (
    <div className="ev-items">
      <TaskReportPanel evalId={evalId} task={task} status={status} />
      <JudgePanel evalId={evalId} />
      <h3 className="ev-sub-title">Per-item results <span className="ev-muted">({items.length})</span></h3>
      <div className="table-wrap ev-scroll">
        <table className="data-table ev-items-table" data-testid="ev-items">
          <thead>
            <tr><th className="col-num">#</th><th>Prompt</th><th>Reference</th><th>Output</th><th className="col-num">F1</th><th className="col-num">ROUGE-L</th><th className="col-num">Tokens</th><th className="col-num">ms</th></tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.position}>
                <td className="col-num">{i.position + 1}</td>
                <td className="ev-text">{i.prompt}</td>
                <td className="ev-text">{i.reference}</td>
                <td className="ev-text ev-output">{i.output || <span className="ev-muted">(empty)</span>}</td>
                <td className="col-num">{pts(i.scores.f1)}</td>
                <td className="col-num">{pts(i.scores.rougeL)}</td>
                <td className="col-num">{i.tokens}</td>
                <td className="col-num">{Math.round(i.latencyMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
