import { formatBytes } from '../../lib/format.js';
import { useQuantCost } from './evals-checks-store.js';
import { pts, signedPts, useEvaluate } from './evals-store.js';

/** For the baseline picked under Compare (A): its GGUF quants' evals on the same items — quality lost, size, speed. */
export function QuantCostPanel() {
  const { aId, evals } = useEvaluate();
  const ref = evals.find((e) => e.id === aId && e.status === 'done');
  const cost = useQuantCost(ref?.id, evals.length);
  if (!cost || cost.quants.length === 0) return null;
  const speed = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} tok/s`);
  return (
    <section className="ev-card" aria-labelledby="ev-quant-title" data-testid="ev-quant-cost">
      <h2 className="ev-card-title" id="ev-quant-title">What quantisation cost</h2>
      <p className="ev-muted">Quants of <strong>{cost.reference.label}</strong> on the same items (token F1, 95% paired bootstrap interval).</p>
      <table className="data-table">
        <thead><tr><th>Model</th><th className="col-num">Size</th><th className="col-num">Speed</th><th className="col-num">F1</th><th className="col-num">Δ F1</th><th>95% interval</th></tr></thead>
        <tbody>
          <tr><td>Reference</td><td className="col-num">{formatBytes(cost.reference.bytes)}</td><td className="col-num">{speed(cost.reference.tokensPerSecond)}</td><td className="col-num">{cost.reference.f1 === null ? '—' : pts(cost.reference.f1)}</td><td className="col-num">—</td><td /></tr>
          {cost.quants.map((q) => {
            const f1 = q.metrics.find((m) => m.metric === 'f1')!;
            return (
              <tr key={q.evalId}>
                <td>{q.quant} <span className="ev-muted">· {q.label}</span></td>
                <td className="col-num">{formatBytes(q.bytes)}</td>
                <td className="col-num">{speed(q.tokensPerSecond)}</td>
                <td className="col-num">{pts(f1.quant)}</td>
                <td className="col-num">{signedPts(f1.delta)}</td>
                <td className="ev-muted">[{signedPts(f1.low)}, {signedPts(f1.high)}] over {q.n} items</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
