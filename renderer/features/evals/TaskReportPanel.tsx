import { useTaskReport } from './evals-checks-store.js';
import { pts } from './evals-store.js';

/** Per-label accuracy (classification) or JSON validity and field accuracy (structured output) of one eval. */
export function TaskReportPanel({ evalId, task, status }: { evalId: string; task: string; status: string | undefined }) {
  const report = useTaskReport(evalId, task, status);
  const pct = (x: number | null) => (x === null ? '—' : pts(x));
  if (report?.classification) {
    const c = report.classification;
    return (
      <div className="ev-task-report" data-testid="ev-task-report">
        <h3 className="ev-sub-title">Per label <span className="ev-muted">accuracy {pct(c.accuracy)} · macro F1 {pct(c.macroF1)}{c.outsideLabelSet ? ` · ${c.outsideLabelSet} answers outside the label set` : ''}</span></h3>
        <table className="data-table">
          <thead><tr><th>Label</th><th className="col-num">Items</th><th className="col-num">Correct</th><th className="col-num">Accuracy</th><th className="col-num">Precision</th><th className="col-num">F1</th></tr></thead>
          <tbody>
            {c.labels.map((l) => (
              <tr key={l.label}><td>{l.label}</td><td className="col-num">{l.n}</td><td className="col-num">{l.correct}</td><td className="col-num">{pct(l.accuracy)}</td><td className="col-num">{pct(l.precision)}</td><td className="col-num">{pct(l.f1)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  if (report?.structured) {
    const s = report.structured;
    return (
      <div className="ev-task-report" data-testid="ev-task-report">
        <h3 className="ev-sub-title">Structured output <span className="ev-muted">parses {pct(s.parseRate)} · schema-valid {pct(s.schemaValidRate)} · field accuracy {pct(s.fieldAccuracy)}</span></h3>
        {s.fields.length > 0 && (
          <table className="data-table">
            <thead><tr><th>Field</th><th className="col-num">Items</th><th className="col-num">Accuracy</th></tr></thead>
            <tbody>{s.fields.map((f) => <tr key={f.field}><td className="mono">{f.field}</td><td className="col-num">{f.n}</td><td className="col-num">{pct(f.accuracy)}</td></tr>)}</tbody>
          </table>
        )}
      </div>
    );
  }
  return null;
}
