import { useState } from 'react';
import type { LatheErrorData, RunSummary } from '../../../src/shared/contract/index.js';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { ShieldCheckIcon } from '../../components/icons.js';
import { asErrorData } from '../../stores/errors.js';
import { reproduceRun } from './runs-store.js';

interface Verdict { identical: boolean; originalSha256: string; reproducedSha256: string; differingFiles?: string[]; reproduces?: string; runId?: string }

/**
 * "Reproduce this run": the same settings, data and seed as a new run; when it completes its weights' sha256 is
 * compared with this run's. The verdicts already recorded on this run are shown here.
 */
export function ReproducePanel({ run }: { run: RunSummary }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const verdicts = run.events.filter((e) => e.kind === 'reproduction_checked');

  const reproduce = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await reproduceRun(run.id);
      window.location.hash = `#/runs/${encodeURIComponent(next.id)}`;
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="run-panel" aria-labelledby="run-reproduce-title" data-testid="run-reproduce-panel">
      <h2 className="run-panel-title" id="run-reproduce-title">
        Reproducibility
      </h2>
      {verdicts.map((e) => {
        const v = e.data as Verdict;
        return (
          <Alert key={e.seq} tone={v.identical ? 'success' : 'warning'} title={v.identical ? 'Reproduced byte for byte' : 'Reproduction differs'}>
            <span data-testid="run-reproduce-verdict">{e.message}</span>
          </Alert>
        );
      })}
      {run.status === 'completed' && (
        <p className="run-panel-text">
          Run again from this run’s manifest — same base model, dataset version, seed and settings — and compare the weights’ sha256. On CPU the result is identical.
        </p>
      )}
      {run.status === 'completed' && (
        <Button variant="secondary" icon={ShieldCheckIcon} busy={busy} onClick={() => void reproduce()} data-testid="run-reproduce">
          Reproduce this run
        </Button>
      )}
      {error && <ErrorAlert title="Could not reproduce" error={error} />}
    </section>
  );
}
