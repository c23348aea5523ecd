import { useState } from 'react';
import type { EvalComparison, EvalMetric } from '../../../src/shared/contract/features/evals.js';
import { Button } from '../../components/Button.js';
import { GitCompareIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';
import { compareEvals, judgeWinRate, type JudgeWinRate } from './evals-compare-store.js';
import { pts, signedPts, useEvaluate } from './evals-store.js';

const NAMES: Record<EvalMetric, string> = { exact: 'Exact match', f1: 'Token F1', rougeL: 'ROUGE-L' };

/** Baseline (A) against candidate (B) on the same items: deltas, 95% paired bootstrap intervals, regressions. */
export function ComparePanel() {
  const { evals, aId, bId, set } = useEvaluate();
  const done = evals.filter((e) => e.status === 'done');
  const [metric, setMetric] = useState<EvalMetric>('f1');
  const [result, setResult] = useState<EvalComparison | null>(null);
  const [judged, setJudged] = useState<JudgeWinRate | null>(null);
  const [busy, setBusy] = useState(false);

  async function compare() {
    setBusy(true);
    try {
      setResult(await compareEvals(aId, bId, metric));
      setJudged(await judgeWinRate(aId, bId));
    } catch (err) {
      toastError('Could not compare', err);
    } finally {
      setBusy(false);
    }
  }

  const pick = (label: string, value: string, onChange: (v: string) => void, testId: string) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="select-input">
        <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} title={done.find((e) => e.id === value)?.label}>
          <option value="">Pick an eval</option>
          {done.map((e) => <option key={e.id} value={e.id}>{e.label}</option>)}
        </select>
      </span>
    </label>
  );

  return (
    <section className="ev-card" aria-labelledby="ev-compare-title">
      <h2 className="ev-card-title" id="ev-compare-title">Compare</h2>
      <div className="ev-form ev-form-compare">
        {pick('A · baseline', aId, (v) => set({ aId: v }), 'ev-compare-a')}
        {pick('B · candidate', bId, (v) => set({ bId: v }), 'ev-compare-b')}
        <label className="field">
          <span className="field-label">Regressions by</span>
          <span className="select-input">
            <select value={metric} onChange={(e) => setMetric(e.target.value as EvalMetric)} data-testid="ev-compare-metric">
              {(Object.keys(NAMES) as EvalMetric[]).map((m) => <option key={m} value={m}>{NAMES[m]}</option>)}
            </select>
          </span>
        </label>
        <Button icon={GitCompareIcon} busy={busy} disabled={!aId || !bId || aId === bId} onClick={() => void compare()} data-testid="ev-compare">Compare</Button>
      </div>
      {result && (
        <div data-testid="ev-comparison">
          <table className="data-table ev-deltas">
            <thead><tr><th>Metric</th><th className="col-num">A</th><th className="col-num">B</th><th className="col-num">Δ (B − A)</th><th>95% interval (paired bootstrap, {result.metrics[0]!.interval.resamples} resamples)</th></tr></thead>
            <tbody>
              {result.metrics.map((m) => {
                const i = m.interval;
                const tone = i.low > 0 ? 'is-up' : i.high < 0 ? 'is-down' : '';
                return (
                  <tr key={m.metric}>
                    <td>{NAMES[m.metric]}</td>
                    <td className="col-num">{pts(m.a)}</td>
                    <td className="col-num">{pts(m.b)}</td>
                    <td className={`col-num ev-delta ${tone}`}>{signedPts(i.delta)}</td>
                    <td className="ev-muted">[{signedPts(i.low)}, {signedPts(i.high)}] {i.low > 0 ? '· better' : i.high < 0 ? '· worse' : '· not distinguishable from 0'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="ev-muted ev-summary-line" data-testid="ev-compare-counts">
            {result.metrics[0]!.interval.n} paired items · {result.improvements} better · {result.unchanged} unchanged · {result.regressions.length} worse on {NAMES[metric]}
          </p>
          <p className="ev-muted ev-summary-line" data-testid="ev-compare-judge">
            {judged === null
              ? 'Local judge: judge both evals with the same judge model and rubric to see how often it prefers B.'
              : judged.winRateB === null
                ? 'Local judge: no item has a readable score on both sides.'
                : `Local judge: B preferred on ${Math.round(judged.winRateB * 100)}% [${Math.round(judged.low! * 100)}–${Math.round(judged.high! * 100)}%, 95% Wilson] of ${judged.n} items · B better ${judged.bWins} · A better ${judged.aWins} · ties ${judged.ties} (counted half)${judged.unscored ? ` · ${judged.unscored} unreadable` : ''}`}
          </p>
          {result.regressions.length > 0 && (
            <div className="table-wrap ev-scroll">
              <table className="data-table ev-items-table" data-testid="ev-regressions">
                <thead><tr><th className="col-num">#</th><th>Prompt</th><th>A answered</th><th>B answered</th><th className="col-num">A → B</th></tr></thead>
                <tbody>
                  {result.regressions.map((r) => (
                    <tr key={r.position}>
                      <td className="col-num">{r.position + 1}</td>
                      <td className="ev-text">{r.prompt}</td>
                      <td className="ev-text">{r.outputA}</td>
                      <td className="ev-text">{r.outputB}</td>
                      <td className="col-num ev-delta is-down">{pts(r.scoreA)} → {pts(r.scoreB)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
