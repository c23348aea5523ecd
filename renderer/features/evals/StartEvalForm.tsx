import { useEffect, useState } from 'react';
import { Button } from '../../components/Button.js';
import { GaugeIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';
import { loadDatasetVersions, runEval, useEvalForm, useEvaluate, type EvalFormChoice } from './evals-store.js';
import { useJobs } from '../../stores/jobs.js';
import { modelWithQuant } from '../../lib/format.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

/** Model, adapter, dataset version and split; runs the eval with greedy decoding and shows its progress. */
export function StartEvalForm() {
  const canTrain = useCan('train');
  const { models, datasets, evals, refreshEvals } = useEvaluate();
  const ggufs = models.filter((m) => m.kind === 'gguf');
  // The choices live in a store, so leaving the page and coming back keeps them (issue 19 item 12).
  const { modelId, adapterId, datasetId, versionId, split, maxTokens, task, withBase: asked, setChoice } = useEvalForm();
  const baseDone = evals.some((e) => e.status === 'done' && e.modelId === modelId && e.adapterIds.length === 0 && e.datasetVersionId === versionId && e.split === split);
  const withBase = asked ?? !baseDone;
  const setter = <K extends keyof EvalFormChoice>(key: K) => (value: EvalFormChoice[K]) => setChoice({ [key]: value } as Partial<EvalFormChoice>);
  const [setModelId, setAdapterId, setDatasetId, setVersionId, setSplit, setMaxTokens, setTask] = [setter('modelId'), setter('adapterId'), setter('datasetId'), setter('versionId'), setter('split'), setter('maxTokens'), setter('task')];
  const [versions, setVersions] = useState<Array<{ id: string; number: number; exampleCount: number }>>([]);
  const [schemaText, setSchemaText] = useState('{\n  "type": "object",\n  "properties": { "answer": { "type": "string" } },\n  "required": ["answer"]\n}');
  const schema = (() => {
    if (task !== 'structured') return { ok: true as const, value: undefined };
    try {
      const v = JSON.parse(schemaText) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? { ok: true as const, value: v as Record<string, unknown> } : { ok: false as const, error: 'The schema must be a JSON object.' };
    } catch (err) {
      return { ok: false as const, error: `Not valid JSON: ${(err as Error).message}` };
    }
  })();
  const [progress, setProgress] = useState<{ jobId: string; fraction: number | null; message: string } | null>(null);
  const adapters = models.filter((m) => m.kind === 'gguf-lora' && (!m.baseModelId || m.baseModelId === modelId));

  useEffect(() => {
    if (!modelId && ggufs[0]) setModelId(ggufs[0].id);
    if (!datasetId && datasets[0]) setDatasetId(datasets[0].id);
  }, [ggufs, datasets, modelId, datasetId]);
  useEffect(() => {
    if (!datasetId) return;
    void loadDatasetVersions(datasetId).then((found) => {
      setVersions(found);
      // Keep the chosen version when it belongs to this dataset (coming back to the page); else the newest.
      const kept = useEvalForm.getState().versionId;
      if (!found.some((v) => v.id === kept)) setVersionId(found[0]?.id ?? '');
    });
  }, [datasetId]);

  async function run() {
    // With an adapter: the base model alone first (when asked), then base + adapter, on the same items, so Compare
    // opens on the pair.
    const passes = adapterId ? [...(withBase ? [{ label: 'Base model', adapterIds: [] as string[] }] : []), { label: 'Tuned', adapterIds: [adapterId] }] : [{ label: '', adapterIds: [] as string[] }];
    const poll = setInterval(() => void refreshEvals(), 1500);
    const done: string[] = [];
    try {
      for (const [i, pass] of passes.entries()) {
        const jobId = `eval-${Date.now()}-${i}`;
        const prefix = passes.length > 1 ? `${pass.label} (${i + 1} of ${passes.length}): ` : '';
        setProgress({ jobId, fraction: 0, message: `${prefix}Starting…` });
        const s = await runEval(
          { jobId, modelId, adapterIds: pass.adapterIds, datasetVersionId: versionId, split, maxTokens, task, ...(task === 'structured' && schema.ok && schema.value ? { jsonSchema: schema.value } : {}) },
          (p) => setProgress({ jobId, fraction: p.fraction, message: `${prefix}${p.message}` }),
        );
        done.push(s.id);
      }
      await refreshEvals();
      useEvaluate.getState().set(done.length === 2 ? { aId: done[0]!, bId: done[1]!, openId: done[1]! } : { openId: done[0]! });
    } catch (err) {
      toastError('The eval stopped', err);
      await refreshEvals();
    } finally {
      clearInterval(poll);
      setProgress(null);
    }
  }

  const busy = progress !== null;
  return (
    <section className="ev-card" aria-labelledby="ev-new-title">
      <h2 className="ev-card-title" id="ev-new-title">New evaluation</h2>
      <div className="ev-form">
        <Select label="Model" testId="ev-model" value={modelId} onChange={(v) => { setModelId(v); setAdapterId(''); }} disabled={busy} options={ggufs.map((m) => [m.id, modelWithQuant(m)])} />
        <Select label="Adapter" testId="ev-adapter" value={adapterId} onChange={setAdapterId} disabled={busy} options={[['', adapters.length ? 'None (base model)' : 'No adapters for this model'], ...adapters.map((a): [string, string] => [a.id, a.name])]} />
        <Select label="Dataset" testId="ev-dataset" value={datasetId} onChange={setDatasetId} disabled={busy} options={datasets.map((d) => [d.id, d.name])} />
        <Select label="Version" testId="ev-version" value={versionId} onChange={setVersionId} disabled={busy} options={versions.map((v) => [v.id, `v${v.number} · ${v.exampleCount} examples`])} />
        <Select label="Split" testId="ev-split" value={split} onChange={(v) => setSplit(v as 'test')} disabled={busy} options={[['test', 'Test'], ['validation', 'Validation'], ['all', 'All examples']]} />
        <Select label="Task" testId="ev-task" value={task} onChange={(v) => setTask(v as 'qa')} disabled={busy} options={[['qa', 'Question answering'], ['classification', 'Classification (per label)'], ['structured', 'Structured output (JSON)']]} />
        <label className="field">
          <span className="field-label">Max tokens</span>
          <span className="text-input">
            <input type="number" min={1} max={4096} value={maxTokens} disabled={busy} data-testid="ev-max-tokens" onChange={(e) => setMaxTokens(Math.max(1, Number(e.target.value) || 1))} />
          </span>
        </label>
      </div>
      {adapterId && (
        <label className="ev-check">
          <input type="checkbox" checked={withBase} disabled={busy} onChange={(e) => setChoice({ withBase: e.target.checked })} data-testid="ev-with-base" />
          <span>Also evaluate the base model alone on the same items, and compare the two{baseDone ? ' (it already has an eval on them)' : ''}</span>
        </label>
      )}
      {task === 'structured' && (
        <label className="field">
          <span className="field-label">JSON schema — answers are held to it while decoding, then validated</span>
          <textarea className="ev-textarea ev-schema" rows={5} spellCheck={false} value={schemaText} disabled={busy} onChange={(e) => setSchemaText(e.target.value)} data-testid="ev-schema" />
          {!schema.ok && <span className="field-hint is-error">{schema.error}</span>}
        </label>
      )}
      {!canTrain && <RoleNote needs="train" />}
      <div className="ev-actions">
        <Button variant="primary" icon={GaugeIcon} busy={busy} disabled={!canTrain || !modelId || !versionId || !schema.ok} onClick={() => void run()} data-testid="ev-run">{adapterId && withBase ? 'Run base and tuned' : 'Run evaluation'}</Button>
        {busy ? (
          <>
            <div className="ev-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((progress.fraction ?? 0) * 100)}>
              <span style={{ width: `${(progress.fraction ?? 0) * 100}%` }} />
            </div>
            <span className="ev-muted" data-testid="ev-progress">{progress.message}</span>
            <Button variant="ghost" size="sm" onClick={() => void useJobs.getState().cancel(progress.jobId).catch(() => undefined)}>Stop</Button>
          </>
        ) : (
          <span className="ev-muted">Greedy decoding (temperature 0, seed 0): the same model gives the same answers.</span>
        )}
      </div>
    </section>
  );
}

function Select({ label, testId, value, onChange, options, disabled }: { label: string; testId: string; value: string; onChange: (v: string) => void; options: Array<[string, string]>; disabled?: boolean }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="select-input">
        <select data-testid={testId} value={value} disabled={disabled || options.length === 0} onChange={(e) => onChange(e.target.value)}>
          {options.map(([v, text]) => (
            <option key={v} value={v}>{text}</option>
          ))}
        </select>
      </span>
    </label>
  );
}
