import { memo, useMemo } from 'react';
import { bytesAxis, numberAxis } from '../../charts/axis-ticks.js';
import { LineChart } from '../../charts/LineChart.js';
import { formatBytes } from '../../lib/format.js';
import type { MetricSeries } from './runs-store.js';
import { chartRows, formatLoss } from './run-view.js';

const fmtRate = (v: number) => (v === 0 ? '0' : v.toExponential(1));
const fmtNum = (v: number) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(+v.toFixed(2)));

/** Loss (with validation loss over it) large, then the four health curves in a grid. */
export const RunCharts = memo(function RunCharts({ series, compare }: { series: MetricSeries; compare?: { name: string; series: MetricSeries } }) {
  const compareLoss = compare?.series['loss'];
  const loss = useMemo(
    () => chartRows(compareLoss ? { ...series, compare_loss: compareLoss } : series, ['loss', 'val_loss', 'compare_loss']),
    [series, compareLoss],
  );
  const lr = useMemo(() => chartRows(series, ['lr']), [series]);
  const grad = useMemo(() => chartRows(series, ['grad_norm']), [series]);
  const tps = useMemo(() => chartRows(series, ['tokens_per_s']), [series]);
  const mem = useMemo(() => chartRows(series, ['memory_bytes']), [series]);
  const memAxis = useMemo(() => bytesAxis(mem.map((r) => r.memory_bytes ?? Number.NaN)), [mem]);
  const tpsAxis = useMemo(() => numberAxis(tps.map((r) => r.tokens_per_s ?? Number.NaN)), [tps]);
  const gradAxis = useMemo(() => numberAxis(grad.map((r) => r.grad_norm ?? Number.NaN)), [grad]);
  const margin = useMemo(() => chartRows(series, ['reward_margin', 'val_reward_margin']), [series]);
  const accuracy = useMemo(() => chartRows(series, ['reward_accuracy', 'val_reward_accuracy']), [series]);
  const logps = useMemo(() => chartRows(series, ['chosen_logp', 'rejected_logp', 'val_chosen_logp', 'val_rejected_logp']), [series]);
  const preference = ['reward_margin', 'val_reward_margin'].some((k) => (series[k]?.length ?? 0) > 0);
  const has = (k: string) => (series[k]?.length ?? 0) > 0;
  const trainAndValidation = (key: string) => [
    ...(has(key) ? [{ key, label: 'train', colour: 0 }] : []),
    ...(has(`val_${key}`) ? [{ key: `val_${key}`, label: 'validation', colour: 1 }] : []),
  ];
  const hasVal = (series['val_loss']?.length ?? 0) > 0;
  const last = series['loss']?.at(-1);

  return (
    <div className="run-charts">
      <ChartCard title="Loss" testId="chart-loss" points={series['loss']?.length ?? 0} value={last ? `${formatLoss(last[1])} at step ${last[0]}` : undefined} wide>
        <LineChart
          data={loss}
          x="step"
          xLabel="step"
          height={260}
          series={[
            { key: 'loss' as const, label: 'train' },
            ...(hasVal ? [{ key: 'val_loss' as const, label: 'validation', colour: 1 }] : []),
            ...(compareLoss?.length ? [{ key: 'compare_loss' as const, label: `${compare!.name} (train)`, colour: 3 }] : []),
          ]}
        />
      </ChartCard>
      {preference && (
        <>
          <ChartCard title="Reward margin" unit="chosen − rejected" testId="chart-reward-margin" points={margin.length} value={lastValue(series, 'val_reward_margin') ?? lastValue(series, 'reward_margin')}>
            <LineChart
              data={margin}
              x="step"
              height={150}
              formatY={fmtNum}
              series={trainAndValidation('reward_margin')}
            />
          </ChartCard>
          <ChartCard title="Preference accuracy" unit="chosen ranked above rejected" testId="chart-reward-accuracy" points={accuracy.length} value={lastValue(series, 'val_reward_accuracy', true) ?? lastValue(series, 'reward_accuracy', true)}>
            <LineChart
              data={accuracy}
              x="step"
              height={150}
              formatY={fmtShare}
              series={trainAndValidation('reward_accuracy')}
            />
          </ChartCard>
          <ChartCard title="Log-probabilities" unit="per answer" testId="chart-logps" points={logps.length} wide>
            <LineChart
              data={logps}
              x="step"
              height={170}
              formatY={fmtNum}
              series={[
                ...(has('chosen_logp') ? [{ key: 'chosen_logp', label: 'chosen (train)', colour: 2 }] : []),
                ...(has('rejected_logp') ? [{ key: 'rejected_logp', label: 'rejected (train)', colour: 4 }] : []),
                ...(has('val_chosen_logp') ? [{ key: 'val_chosen_logp', label: 'chosen (validation)', colour: 1 }] : []),
                ...(has('val_rejected_logp') ? [{ key: 'val_rejected_logp', label: 'rejected (validation)', colour: 3 }] : []),
              ]}
            />
          </ChartCard>
        </>
      )}
      <ChartCard title="Learning rate" testId="chart-lr" points={series['lr']?.length ?? 0}>
        <LineChart data={lr} x="step" series={[{ key: 'lr', label: 'learning rate', colour: 2 }]} height={150} formatY={fmtRate} fromZero />
      </ChartCard>
      <ChartCard title="Gradient norm" testId="chart-grad-norm" points={series['grad_norm']?.length ?? 0}>
        <LineChart data={grad} x="step" series={[{ key: 'grad_norm', label: 'grad norm', colour: 3 }]} height={150} formatY={fmtNum} yAxis={gradAxis} />
      </ChartCard>
      <ChartCard title="Throughput" unit="tokens/s" testId="chart-tokens" points={series['tokens_per_s']?.length ?? 0}>
        <LineChart data={tps} x="step" series={[{ key: 'tokens_per_s', label: 'tokens/s', colour: 4 }]} height={150} formatY={fmtNum} yAxis={tpsAxis} />
      </ChartCard>
      <ChartCard title="Memory" testId="chart-memory" points={series['memory_bytes']?.length ?? 0}>
        <LineChart data={mem} x="step" series={[{ key: 'memory_bytes', label: 'memory', colour: 0 }]} height={150} formatY={memAxis?.format ?? formatBytes} yAxis={memAxis} />
      </ChartCard>
    </div>
  );
});

const fmtShare = (v: number) => `${Math.round(v * 100)}%`;

/** The newest value of a series with its step, for a card's header. */
function lastValue(series: MetricSeries, key: string, share = false): string | undefined {
  const last = series[key]?.at(-1);
  return last ? `${share ? fmtShare(last[1]) : fmtNum(last[1])} at step ${last[0]}` : undefined;
}

interface ChartCardProps {
  title: string;
  unit?: string;
  value?: string;
  testId: string;
  points: number;
  wide?: boolean;
  children: React.ReactNode;
}

function ChartCard({ title, unit, value, testId, points, wide, children }: ChartCardProps) {
  return (
    <section className={`chart-card${wide ? ' is-wide' : ''}`} data-testid={testId} data-points={points} aria-label={title}>
      <header className="chart-card-head">
        <h3 className="chart-card-title">
          {title}
          {unit && <span className="chart-card-unit"> {unit}</span>}
        </h3>
        {value && <span className="chart-card-value">{value}</span>}
      </header>
      {points === 0 ? <div className="chart-card-empty">Waiting for the first step…</div> : children}
    </section>
  );
}
