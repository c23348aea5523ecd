import { useState } from 'react';
import type { LatheErrorData, RunSummary } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { RefreshIcon } from '../../components/icons.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { useRuns } from '../../stores/runs.js';

type Field = 'maxSteps' | 'lr' | 'loraRank' | 'maxSeqLen' | 'microBatchSize' | 'gradAccum';
const FIELDS: Array<{ key: Field; label: string; config: (c: Record<string, unknown>) => unknown }> = [
  { key: 'maxSteps', label: 'Steps', config: (c) => c.max_steps },
  { key: 'lr', label: 'Learning rate', config: (c) => c.lr },
  { key: 'loraRank', label: 'LoRA rank', config: (c) => (c.lora as { rank?: number } | undefined)?.rank },
  { key: 'maxSeqLen', label: 'Sequence length', config: (c) => c.max_seq_len },
  { key: 'microBatchSize', label: 'Micro batch', config: (c) => c.micro_batch_size },
  { key: 'gradAccum', label: 'Accumulation', config: (c) => c.grad_accum },
];

/** A finished run again as a new, linked run with changed settings (the old one stays as it was). */
export function RetryPanel({ run }: { run: RunSummary }) {
  const [values, setValues] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map((f) => [f.key, String(f.config(run.config) ?? '')])) as Record<Field, string>);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);

  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      const changes = Object.fromEntries(FIELDS.filter((f) => values[f.key].trim() !== '').map((f) => [f.key, Number(values[f.key])]));
      const next = await getClient().send('runs.retry', { runId: run.id, changes });
      useRuns.getState().upsert(next);
      window.location.hash = `#/runs/${encodeURIComponent(next.id)}`;
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="run-panel" aria-labelledby="run-retry-title">
      <h2 className="run-panel-title" id="run-retry-title">
        Retry with new settings
      </h2>
      <form
        className="retry-form"
        data-testid="run-retry-form"
        onSubmit={(e) => {
          e.preventDefault();
          void retry();
        }}
      >
        {FIELDS.map((f) => (
          <label key={f.key} className="field">
            <span className="field-label">{f.label}</span>
            <span className="text-input is-mono">
              <input data-testid={`retry-${f.key}`} inputMode="decimal" value={values[f.key]} onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))} />
            </span>
          </label>
        ))}
        <Button type="submit" variant="secondary" icon={RefreshIcon} busy={busy} data-testid="run-retry">
          Retry as a new run
        </Button>
      </form>
      {error && <ErrorAlert title="Could not retry" error={error} />}
    </section>
  );
}
