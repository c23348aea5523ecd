import { ErrorAlert } from '../../components/Alert.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';
import { lastPoint, useRuns } from './runs-store.js';
import { formatLoss, maxSteps } from './run-view.js';
import { StatusBadge } from './StatusBadge.js';

/** Every run, newest first; rows open the run (click or Enter). */
export function RunList() {
  const { runs, status, error, metrics } = useRuns();
  if (status === 'error' && error) return <ErrorAlert title="Could not load runs" error={error} />;
  if (status !== 'ready') return <div className="skeleton-table" aria-busy="true" />;

  const open = (id: string) => {
    window.location.hash = `#/runs/${encodeURIComponent(id)}`;
  };

  return (
    <div className="table-wrap">
      <table className="data-table runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th className="num">Steps</th>
            <th className="num">Last loss</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const series = metrics[run.id]?.series;
            const loss = lastPoint(series, 'loss');
            const total = maxSteps(run);
            return (
              <tr
                key={run.id}
                className="data-row"
                tabIndex={0}
                data-testid="run-row"
                data-run-id={run.id}
                onClick={() => open(run.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    open(run.id);
                  }
                }}
              >
                <td>
                  <a className="run-name" href={`#/runs/${encodeURIComponent(run.id)}`} tabIndex={-1}>
                    {run.name}
                  </a>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                  {run.target && (
                    <span className="cell-muted run-list-target" data-testid="run-list-target">
                      {' '}
                      on {run.target}
                    </span>
                  )}
                </td>
                <td className="num">
                  {loss ? loss[0].toLocaleString() : '0'}
                  {total !== null && <span className="cell-muted"> / {total.toLocaleString()}</span>}
                </td>
                <td className="num mono">{formatLoss(loss?.[1])}</td>
                <td className="cell-muted" title={formatDateTime(run.createdAt)}>
                  {formatRelative(run.createdAt)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
