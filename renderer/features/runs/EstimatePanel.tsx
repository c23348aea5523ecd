import '../../styles/run-estimate-events.css';
import { formatParams } from '../../../src/shared/training/presets.js';
import type { EstimateState } from './runs-launch-store.js';

/** Memory and time before launch, as useEstimate (runs-launch-store.ts) last heard them. */
export function EstimatePanel({ estimate, error, loading }: EstimateState) {
  if (error) {
    return (
      <div className="estimate is-error" data-testid="train-estimate" role="status">
        <span className="estimate-title">Estimate unavailable</span>
        <span className="estimate-note">{error.message} {error.hint}</span>
      </div>
    );
  }
  if (!estimate) {
    return (
      <div className="estimate is-empty" data-testid="train-estimate" role="status">
        <span className="estimate-note">{loading ? 'Estimating…' : 'Choose a base model to see the memory and time this run needs.'}</span>
      </div>
    );
  }
  const b = estimate.bytes;
  const cap = estimate.device.memoryBytes;
  const parts: Array<[string, number, string]> = [
    ['Weights', b.weights, 'w'],
    ['Gradients', b.gradients, 'g'],
    ['Optimizer', b.optimizer, 'o'],
    ['Activations', b.activations, 'a'],
    ['Overhead', b.overhead, 'x'],
  ];
  const scale = Math.max(b.total, cap ?? 0);
  return (
    <div className={`estimate${estimate.fits === false ? ' is-over' : ''}`} data-testid="train-estimate" data-fits={String(estimate.fits)} role="status" aria-live="polite">
      <div className="estimate-head">
        <span className="estimate-title">
          Needs about <strong data-testid="estimate-total">{bytes(b.total)}</strong>
          {cap !== null && <> of {bytes(cap)} on {estimate.device.name}</>}
        </span>
        <span className={`estimate-verdict${estimate.fits === false ? ' is-bad' : ' is-good'}`}>
          {estimate.fits === null ? 'memory unknown' : estimate.fits ? 'fits' : 'does not fit'}
        </span>
      </div>
      <div className="estimate-bar" aria-hidden="true">
        {parts.map(([label, v, k]) => (
          <span key={k} className={`estimate-seg is-${k}`} style={{ width: `${(v / scale) * 100}%` }} title={`${label}: ${bytes(v)}`} />
        ))}
        {cap !== null && <span className="estimate-cap" style={{ left: `${Math.min(100, (cap * 0.9 * 100) / scale)}%` }} title="90 % of the device memory" />}
      </div>
      <div className="estimate-legend">
        {parts.map(([label, v, k]) => (
          <span key={k} className="estimate-legend-item">
            <span className={`estimate-swatch is-${k}`} aria-hidden="true" />
            {label} {bytes(v)}
          </span>
        ))}
      </div>
      <dl className="estimate-facts">
        <div>
          <dt>Model</dt>
          <dd>{formatParams(estimate.parameters)} parameters · {formatParams(estimate.trainableParameters)} trained · {estimate.precision}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd data-testid="estimate-time">
            ~{duration(estimate.seconds)} at ~{Math.round(estimate.tokensPerSecond).toLocaleString()} tokens/s
          </dd>
        </div>
        <div>
          <dt>Disk</dt>
          <dd data-testid="estimate-disk">
            ~{bytes(estimate.disk.totalBytes)}: {estimate.disk.checkpoints} checkpoint{estimate.disk.checkpoints === 1 ? '' : 's'} of {bytes(estimate.disk.checkpointBytes)} kept at once + the output
            {estimate.disk.freeBytes !== null && <> · {bytes(estimate.disk.freeBytes)} free</>}
          </dd>
        </div>
        {estimate.largestParametersThatFit !== null && (
          <div>
            <dt>Largest that fits</dt>
            <dd>{formatParams(estimate.largestParametersThatFit)} parameters with this method and shape</dd>
          </div>
        )}
      </dl>
      {estimate.notes.map((n) => (
        <p key={n} className="estimate-note">
          {n}
        </p>
      ))}
    </div>
  );
}

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${Math.max(1, Math.round(n / 1024))} KiB`;
}

function duration(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
