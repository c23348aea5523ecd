import '../../styles/run-estimate-events.css';
import type { RunStatus } from './run-view.js';
import { statusLabel } from './run-view.js';

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`run-status is-${status}`} data-testid="run-status" data-status={status}>
      <span className="run-status-dot" aria-hidden="true" />
      {statusLabel[status]}
    </span>
  );
}
