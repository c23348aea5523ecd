import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HeldoutResult } from '../../../src/shared/contract/features/heldout.js';
import type { ModelSummary } from '../../../src/shared/contract/index.js';
import { Button } from '../../components/Button.js';
import { ActivityIcon } from '../../components/icons.js';
import { useConnection } from '../../stores/connection.js';
import { toastError } from '../../stores/toasts.js';
import { loadPerplexity, measurePerplexity, type PerplexityData } from './evals-checks-store.js';
import { loadDatasetVersions, useEvaluate } from './evals-store.js';
import { useJobs } from '../../stores/jobs.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';

type Split = 'test' | 'validation' | 'all';

/**
 * Held-out loss and perplexity, measured by the trainer on Hugging Face weights (GPU when present): a model or
 * an adapter on a split of a dataset version, the stored results, and each adapter against its base on the
 * same data. Lower is better; a tuned model that lowers domain perplexity has learned the domain's text.
 */
export function PerplexityPanel() {
  const status = useConnection((s) => s.status);
  const datasets = useEvaluate((s) => s.datasets);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [results, setResults] = useState<HeldoutResult[]>([]);
  const [modelId, setModelId] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [versions, setVersions] = useState<Array<{ id: string; number: number; exampleCount: number }>>([]);
  const [versionId, setVersionId] = useState('');
  const [split, setSplit] = useState<Split>('test');
  const [progress, setProgress] = useState<{ jobId: string; fraction: number | null; message: string } | null>(null);
  const targets = models.filter((m) => m.format === 'hf' || m.kind === 'adapter');
  const names = useMemo(() => new Map(models.map((m) => [m.id, m.name])), [models]);

  const show = useCallback((data: PerplexityData) => {
    setModels(data.models);
    setResults(data.results);
  }, []);
  const refresh = useCallback(async () => show(await loadPerplexity()), [show]);
  useEffect(() => {
    if (status === 'open') void refresh().catch((err) => toastError('Could not load perplexity results', err));
  }, [status, refresh]);
  useEffect(() => {
    if (!modelId && targets[0]) setModelId(targets[0].id);
    if (!datasetId && datasets[0]) setDatasetId(datasets[0].id);
  }, [targets, datasets, modelId, datasetId]);
  useEffect(() => {
    if (!datasetId) return;
    void loadDatasetVersions(datasetId).then((found) => {
      setVersions(found);
      setVersionId(found[0]?.id ?? '');
    });
  }, [datasetId]);

  async function run() {
    const jobId = `ppl-${Date.now()}`;
    setProgress({ jobId, fraction: 0, message: 'Starting the trainer…' });
    try {
      show(await measurePerplexity({ jobId, modelId, datasetVersionId: versionId, split }, (p) => setProgress({ jobId, fraction: p.fraction, message: p.message })));
    } catch (err) {
      toastError('The perplexity measurement stopped', err);
    } finally {
      setProgress(null);
    }
  }

  const busy = progress !== null;
  const pairs = baseVsTuned(results);
  return (
    <section className="ev-card" aria-labelledby="ev-ppl-title" data-testid="ev-perplexity">
      <h2 className="ev-card-title" id="ev-ppl-title">Held-out perplexity</h2>
      <p className="ev-muted">Loss and perplexity on domain text the model was not trained on, computed in the trainer (on the GPU when there is one). Long documents are scored with a sliding window. Lower is better.</p>
      <div className="ev-form" style={{ gridTemplateColumns: 'repeat(4, minmax(0, 1fr))' }}>
        <Field label="Model or adapter">
          <select data-testid="ppl-model" value={modelId} disabled={busy || !targets.length} onChange={(e) => setModelId(e.target.value)}>
            {targets.length ? targets.map((m) => <option key={m.id} value={m.id}>{m.kind === 'adapter' ? `${m.name} (adapter on ${names.get(m.parentId ?? '') ?? 'its base'})` : m.name}</option>) : <option value="">No Hugging Face models registered</option>}
          </select>
        </Field>
        <Field label="Dataset">
          <select data-testid="ppl-dataset" value={datasetId} disabled={busy || !datasets.length} onChange={(e) => setDatasetId(e.target.value)}>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </Field>
        <Field label="Version">
          <select data-testid="ppl-version" value={versionId} disabled={busy || !versions.length} onChange={(e) => setVersionId(e.target.value)}>
            {versions.map((v) => <option key={v.id} value={v.id}>v{v.number} · {v.exampleCount} examples</option>)}
          </select>
        </Field>
        <Field label="Split">
          <select data-testid="ppl-split" value={split} disabled={busy} onChange={(e) => setSplit(e.target.value as Split)}>
            <option value="test">Test</option><option value="validation">Validation</option><option value="all">All examples</option>
          </select>
        </Field>
      </div>
      <div className="ev-actions">
        <Button variant="primary" icon={ActivityIcon} busy={busy} disabled={!modelId || !versionId} onClick={() => void run()} data-testid="ppl-run">Measure perplexity</Button>
        {busy ? (
          <>
            <div className="ev-progress" role="progressbar" aria-label="Perplexity progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((progress.fraction ?? 0) * 100)}>
              <span style={{ width: `${(progress.fraction ?? 0) * 100}%` }} />
            </div>
            <span className="ev-muted" data-testid="ppl-progress">{progress.message}</span>
            <Button variant="ghost" size="sm" onClick={() => void useJobs.getState().cancel(progress.jobId).catch(() => undefined)}>Stop</Button>
          </>
        ) : null}
      </div>
      {pairs.length > 0 && (
        <table className="data-table ev-deltas" data-testid="ppl-compare">
          <caption className="ev-muted" style={{ textAlign: 'left', captionSide: 'top', paddingBottom: 4 }}>Base against tuned, same data and window</caption>
          <thead><tr><th>Adapter</th><th>Data</th><th className="col-num">Base ppl</th><th className="col-num">Tuned ppl</th><th className="col-num">Δ loss</th></tr></thead>
          <tbody>
            {pairs.map(({ base, tuned }) => {
              const delta = tuned.loss - base.loss;
              return (
                <tr key={tuned.id}>
                  <td>{names.get(tuned.adapterId ?? '') ?? tuned.label}</td>
                  <td className="ev-muted">{datasetLabel(tuned)}</td>
                  <td className="col-num">{fmt(base.ppl)}</td>
                  <td className="col-num">{fmt(tuned.ppl)}</td>
                  <td className={`col-num ev-delta ${delta < 0 ? 'is-up' : delta > 0 ? 'is-down' : ''}`}>{delta > 0 ? '+' : ''}{delta.toFixed(3)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {results.length > 0 ? (
        <div className="table-wrap ev-scroll">
          <table className="data-table" data-testid="ppl-results">
            <thead><tr><th>Model</th><th>Data</th><th className="col-num">Tokens</th><th className="col-num">Loss</th><th className="col-num">ppl</th><th>Device</th><th>When</th></tr></thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.id}>
                  <td style={{ whiteSpace: 'nowrap' }} title={`model sha256 ${r.modelSha256}${r.adapterSha256 ? `\nadapter sha256 ${r.adapterSha256}` : ''}`}>{r.label}</td>
                  <td className="ev-muted" style={{ whiteSpace: 'nowrap' }}>{datasetLabel(r)}</td>
                  <td className="col-num">{r.tokens.toLocaleString()}</td>
                  <td className="col-num">{r.loss.toFixed(3)}</td>
                  <td className="col-num">{fmt(r.ppl)}</td>
                  <td className="ev-muted" style={{ whiteSpace: 'nowrap' }} title={`window ${r.maxSeqLen} tokens, stride ${r.stride}, ${r.precision}`}>{r.device} · {r.seconds.toFixed(1)} s</td>
                  <td className="ev-muted" style={{ whiteSpace: 'nowrap' }} title={formatDateTime(r.createdAt)}>{formatRelative(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="ev-muted" data-testid="ppl-empty">No measurements yet. Pick a base model, measure it, then measure its adapter on the same split to compare.</p>
      )}
    </section>
  );
}

/** Each adapter result with the newest base-only result of its base on the same version, split and window. */
export function baseVsTuned(results: HeldoutResult[]): Array<{ base: HeldoutResult; tuned: HeldoutResult }> {
  const pairs: Array<{ base: HeldoutResult; tuned: HeldoutResult }> = [];
  const seen = new Set<string>();
  for (const tuned of results) {
    if (!tuned.adapterId) continue;
    const key = `${tuned.adapterId}|${tuned.datasetVersionId}|${tuned.split}`;
    if (seen.has(key)) continue; // results are newest first: keep the newest measurement per adapter and data
    const base = results.find((r) => !r.adapterId && r.modelId === tuned.modelId && r.datasetVersionId === tuned.datasetVersionId
      && r.split === tuned.split && r.maxSeqLen === tuned.maxSeqLen && r.stride === tuned.stride);
    if (base) {
      seen.add(key);
      pairs.push({ base, tuned });
    }
  }
  return pairs;
}

function datasetLabel(r: HeldoutResult) {
  return `${r.datasetName} v${r.versionNumber} · ${r.split}`;
}

const fmt = (n: number) => (n >= 1000 ? n.toExponential(2) : n.toFixed(2));

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="select-input">{children}</span>
    </label>
  );
}
