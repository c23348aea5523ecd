import { useEffect, useState } from 'react';
import type { ExportFormat, ExportSummary, LatheErrorData, MergedDtype } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { PackageIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useConnection } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { useJobs, useRunningJobFor } from '../../stores/jobs.js';
import { JobProgress } from '../models/JobProgress.js';
import { QuantToolsNotice } from '../models/QuantToolsNotice.js';
import { useEngine } from '../../stores/engine.js';
import { followJob, KIND_LABEL, newJobId, useModels, type JobState } from '../models/models-store.js';
import { pages } from '../shell/pages.js';
import { ExportCard } from './ExportCard.js';
import { createExport, listExports, useExportForm } from './exports-store.js';
import '../../styles/models.css';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

const FORMATS: Array<{ id: ExportFormat; label: string; hint: string; adapterOnly?: boolean }> = [
  { id: 'merged', label: 'Merged safetensors', hint: 'Adapter folded into the base, for vLLM / TGI', adapterOnly: true },
  { id: 'gguf-f16', label: 'GGUF F16', hint: 'Full precision for llama.cpp' },
  { id: 'gguf-q8_0', label: 'GGUF Q8_0', hint: 'Near-lossless, half the size' },
  { id: 'gguf-q4_k_m', label: 'GGUF Q4_K_M', hint: 'Small, for laptops and edge boxes' },
  { id: 'modelfile', label: 'Ollama Modelfile', hint: 'FROM the smallest GGUF, with its chat template' },
];

export function ExportPage() {
  const canTrain = useCan('train');
  const { models, load } = useModels();
  const connected = useConnection((s) => s.status === 'open');
  const [exportsList, setExports] = useState<ExportSummary[]>([]);
  // The form's choices outlive the page: going to Evaluate and back finds them as left.
  const { modelId, formats, mergedDtype, name, intendedUse, setChoice } = useExportForm();
  const [job, setJob] = useState<JobState | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);

  const loadExports = async () => setExports(await listExports());
  useEffect(() => {
    if (!connected) return;
    void load();
    void loadExports().catch((err) => setError(asErrorData(err)));
  }, [connected]);

  const candidates = models.filter((m) => m.kind === 'adapter' || (m.format === 'hf' && (m.kind === 'base' || m.kind === 'merged')));
  const selected = candidates.find((m) => m.id === modelId) ?? null;
  useEffect(() => {
    if (!candidates.some((m) => m.id === modelId) && candidates[0]) setChoice({ modelId: candidates[0].id });
  }, [candidates.length]);
  // An export of this model already running (started here before a navigation or reload, in another window, or
  // from the CLI): Export is off until it ends, and its bar and Cancel come from the job list.
  const running = useRunningJobFor('export.create', selected?.id);
  const busyJobId = jobId ?? running?.jobId ?? null;
  const shownJob: JobState | null = running && !jobId ? { fraction: running.fraction, message: running.message, state: running.state } : job;
  const isAdapter = selected?.kind === 'adapter';
  const effective = formats.filter((f) => isAdapter || !FORMATS.find((x) => x.id === f)?.adapterOnly);

  const run = async () => {
    if (!selected) return;
    const id = newJobId('export');
    setJobId(id); setError(null);
    setJob({ fraction: 0, message: 'Starting…', state: 'running' });
    const stop = followJob(id, setJob);
    try {
      await createExport({ modelId: selected.id, formats: effective, mergedDtype, jobId: id, ...(name.trim() ? { name: name.trim() } : {}), ...(intendedUse.trim() ? { intendedUse: intendedUse.trim() } : {}) });
      await loadExports();
      void load();
    } catch (err) {
      setError(asErrorData(err));
      await loadExports().catch(() => undefined);
    } finally {
      stop();
      setJobId(null);
      void useEngine.getState().loadInfo(); // the quantizer may have been built by this export
    }
  };

  return (
    <>
      <PageHeader {...pages.export} />
      {candidates.length === 0 && exportsList.length === 0 ? (
        <EmptyState id="export" icon={PackageIcon} title="Nothing to export yet" description="Register a base model and a trained adapter on the Models page; exports fold the adapter into its base and write GGUF files, an Ollama Modelfile and a model card." />
      ) : (
        <div className="export-layout">
          {!canTrain ? (
            <div className="export-form"><RoleNote needs="train" /></div>
          ) : candidates.length === 0 ? (
            <p className="export-form field-hint" data-testid="export-no-candidates">No model in the registry can be exported from here: register a base model (safetensors) or a trained adapter on the Models page. Earlier exports stay listed with their release state.</p>
          ) : (
          <form className="export-form" data-testid="export-form" onSubmit={(e) => { e.preventDefault(); void run(); }}>
            <label className="field">
              <span className="field-label">Model or adapter</span>
              <span className="select-input">
                <select value={modelId} onChange={(e) => setChoice({ modelId: e.target.value })} data-testid="export-model" disabled={jobId !== null}>
                  {candidates.map((m) => <option key={m.id} value={m.id}>{m.name} — {KIND_LABEL[m.kind]}</option>)}
                </select>
              </span>
            </label>
            <fieldset className="format-list" disabled={jobId !== null}>
              <legend className="field-label">Formats</legend>
              {FORMATS.map((f) => {
                const off = f.adapterOnly && !isAdapter;
                return (
                  <label key={f.id} className="format-option">
                    <input type="checkbox" data-testid={`export-format-${f.id}`} disabled={off} checked={!off && formats.includes(f.id)}
                      onChange={(e) => setChoice({ formats: e.target.checked ? [...formats, f.id] : formats.filter((x) => x !== f.id) })} />
                    <span>{f.label}<small>{off ? 'Needs an adapter' : f.hint}</small></span>
                  </label>
                );
              })}
            </fieldset>
            {effective.includes('gguf-q4_k_m') && <QuantToolsNotice />}
            {isAdapter && effective.includes('merged') && (
              <label className="field">
                <span className="field-label">Merged weights saved as</span>
                <span className="select-input">
                  <select value={mergedDtype} onChange={(e) => setChoice({ mergedDtype: e.target.value as MergedDtype })} data-testid="export-merged-dtype" disabled={jobId !== null}>
                    <option value="auto">the base model’s dtype</option>
                    <option value="bfloat16">bfloat16</option>
                    <option value="float16">float16</option>
                    <option value="float32">float32</option>
                  </select>
                </span>
                <span className="field-hint">The adapter is folded in fp32 and rounded once; the check compares the file with that exact rounding.</span>
              </label>
            )}
            <label className="field">
              <span className="field-label">Export name</span>
              <span className="text-input"><input value={name} placeholder={selected ? `${selected.name} export` : ''} onChange={(e) => setChoice({ name: e.target.value })} data-testid="export-name" /></span>
            </label>
            <label className="field">
              <span className="field-label">Intended use (model card)</span>
              <span className="text-input"><input value={intendedUse} placeholder="e.g. drafting answers to policy questions for review" onChange={(e) => setChoice({ intendedUse: e.target.value })} /></span>
            </label>
            <div className="convert-row">
              <Button variant="primary" icon={PackageIcon} busy={busyJobId !== null} disabled={!selected || effective.length === 0} onClick={run} data-testid="export-run">Export</Button>
              {busyJobId && <Button variant="ghost" onClick={() => void useJobs.getState().cancel(busyJobId).catch((err) => setError(asErrorData(err)))}>Cancel</Button>}
              {running && !jobId && <span className="field-hint" data-testid="export-running-note">This model is being exported; follow it under Jobs in the status bar.</span>}
            </div>
            {shownJob && <JobProgress job={shownJob} testId="export-progress" />}
            {error && <ErrorAlert title="The export did not finish" error={error} />}
          </form>
          )}
          <div className="export-results" data-testid="export-results">
            {exportsList.length === 0 ? <div className="export-empty"><PackageIcon size={20} /><p>No exports yet. Each export is one folder with a SHA256SUMS manifest; it is marked <strong>draft</strong> until a release gate approves it.</p></div> : exportsList.map((e) => <ExportCard key={e.id} exp={e} />)}
          </div>
        </div>
      )}
    </>
  );
}
