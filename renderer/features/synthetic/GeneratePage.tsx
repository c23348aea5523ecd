import { useEffect, useState } from 'react';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import type { SyntheticJob } from '../../../src/shared/contract/features/synthetic.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button, ButtonLink } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ArrowRightIcon, FileTextIcon, SparklesIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useConnection } from '../../stores/connection.js';
import { useDatasets } from '../datasets/datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { JobProgress } from '../models/JobProgress.js';
import { followJob, type JobState } from '../models/models-store.js';
import { pages } from '../shell/pages.js';
import { cancelGeneration, loadGeneration, resumeGeneration, startGeneration } from './synthetic-store.js';
import { PreviewPanel } from './PreviewPanel.js';
import { useGenerateForm, type Kind } from './use-generate-form.js';
import '../../styles/models.css';
import '../../styles/generate.css';

const KINDS: Array<{ id: Kind; label: string }> = [
  { id: 'qa', label: 'Q&A' },
  { id: 'chat', label: 'Chat' },
  { id: 'summary', label: 'Summary' },
  { id: 'extraction', label: 'Extraction' },
  { id: 'classification', label: 'Classification' },
];

/** Documents → training examples with a local teacher: pick chunks, teacher and template, preview one chunk, generate. */
export function GeneratePage() {
  const connected = useConnection((s) => s.status === 'open');
  const datasets = useDatasets((s) => s.datasets);
  const f = useGenerateForm(connected);
  const [job, setJob] = useState<JobState | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [last, setLast] = useState<SyntheticJob | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);

  useEffect(() => {
    if (!jobId || !job || job.state === 'running') return;
    void loadGeneration(jobId).then((j) => {
      setLast(j);
      if (j.targetDatasetId) void useDatasets.getState().load(); // a first generation creates its task dataset
    }).catch((err) => setError(asErrorData(err)));
  }, [job?.state, jobId]);

  const start = async () => {
    setError(null); setLast(null);
    setJob({ fraction: 0, message: 'Starting…', state: 'running' });
    try {
      const id = await startGeneration(f.request(), { chunkLimit: f.count, parallel: f.parallel, perChunk: f.perChunk });
      setJobId(id);
      followJob(id, setJob);
    } catch (err) {
      setJob(null);
      setError(asErrorData(err));
    }
  };
  const running = job?.state === 'running';
  const docs = datasets.filter((d) => d.kind === 'documents');
  const target = last?.targetDatasetId ? datasets.find((d) => d.id === last.targetDatasetId) : null;

  if (connected && docs.length === 0) {
    return (
      <>
        <PageHeader {...pages.generate} />
        <EmptyState id="generate" icon={SparklesIcon} title="Import documents first" description="Generation turns document chunks (manuals, policies, reports) into question/answer pairs with a local teacher model; nothing leaves this machine." />
      </>
    );
  }
  return (
    <>
      <PageHeader {...pages.generate} />
      <div className="generate-layout">
        <form className="generate-form" data-testid="generate-form" onSubmit={(e) => { e.preventDefault(); if (f.ready && !running) void start(); }}>
          <label className="field">
            <span className="field-label">Documents</span>
            <span className="select-input">
              <select value={f.datasetId} onChange={(e) => f.setDatasetId(e.target.value)} data-testid="generate-dataset" disabled={running}>
                {docs.map((d) => <option key={d.id} value={d.id}>{d.name}{d.latestVersion ? ` · v${d.latestVersion.number} · ${d.latestVersion.exampleCount} chunks` : ''}</option>)}
              </select>
            </span>
            <span className="field-hint">{f.source ? `Chunks of v${f.source.number}` : 'The newest version of chunks'} (not earlier generations); each keeps its file, page and offsets.</span>
          </label>
          <label className="field">
            <span className="field-label">Teacher model</span>
            <span className="select-input">
              <select value={f.modelId} onChange={(e) => f.setModelId(e.target.value)} data-testid="generate-model" disabled={running}>
                {f.models.length === 0 && <option value="">No GGUF models registered</option>}
                {f.models.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
              </select>
            </span>
          </label>
          <label className="field">
            <span className="field-label">Teacher adapter <span className="field-optional">optional</span></span>
            <span className="select-input">
              <select value={f.adapterId} onChange={(e) => f.setAdapterId(e.target.value)} data-testid="generate-adapter" disabled={running || f.adapters.length === 0}>
                <option value="">{f.adapters.length ? 'None (the base model)' : 'No adapters for this model'}</option>
                {f.adapters.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
              </select>
            </span>
            <span className="field-hint">A domain-tuned adapter often writes better questions; its hash goes into every example's provenance.</span>
          </label>
          <fieldset className="field generate-filter" data-testid="generate-filter" style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
            <legend className="field-label" style={{ padding: 0 }}>Only chunks <span className="field-optional">{f.filtered ? 'filtered' : 'all chunks'}</span></legend>
            <div className="generate-row" style={{ gridTemplateColumns: '2fr 2fr 1fr 1fr' }}>
              <label className="field"><span className="field-hint">Containing</span><span className="text-input"><input type="search" placeholder="e.g. lock-out" value={f.filterText} onChange={(e) => f.setFilterText(e.target.value)} data-testid="generate-filter-text" disabled={running} /></span></label>
              <label className="field"><span className="field-hint">Document</span><span className="text-input"><input type="text" placeholder="file name" value={f.filterDocument} onChange={(e) => f.setFilterDocument(e.target.value)} data-testid="generate-filter-document" disabled={running} /></span></label>
              <label className="field"><span className="field-hint">From page</span><span className="text-input"><input type="number" min={1} value={f.pageFrom} onChange={(e) => f.setPageFrom(e.target.value)} data-testid="generate-filter-from" disabled={running} /></span></label>
              <label className="field"><span className="field-hint">To page</span><span className="text-input"><input type="number" min={1} value={f.pageTo} onChange={(e) => f.setPageTo(e.target.value)} data-testid="generate-filter-to" disabled={running} /></span></label>
            </div>
          </fieldset>
          <div className="field">
            <span className="field-label" id="generate-kind-label">Template</span>
            <div className="segmented" role="radiogroup" aria-labelledby="generate-kind-label" data-testid="generate-kind">
              {KINDS.map((k) => (
                <button key={k.id} type="button" role="radio" aria-checked={f.kind === k.id} className={f.kind === k.id ? 'is-selected' : ''} data-testid={`generate-kind-${k.id}`} onClick={() => f.setKind(k.id)} disabled={running}>{k.label}</button>
              ))}
            </div>
          </div>
          <label className="field">
            <span className="field-label">Prompt <span className="field-optional">{f.edited ? 'edited' : f.version}</span></span>
            <textarea className="generate-prompt mono" rows={7} value={f.prompt} onChange={(e) => f.setPrompt(e.target.value)} data-testid="generate-prompt" disabled={running} spellCheck={false} />
            <span className="field-hint">Keep {'{{chunk}}'} where the passage goes. The answer is constrained to a JSON schema, so every result parses.</span>
          </label>
          <div className="generate-row" style={{ gridTemplateColumns: 'repeat(4, minmax(0, 1fr))' }}>
            <label className="field"><span className="field-label">Chunks</span><span className="text-input"><input type="number" min={1} value={f.count} onChange={(e) => f.setCount(Math.max(1, Number(e.target.value) || 1))} data-testid="generate-count" disabled={running} /></span></label>
            <label className="field"><span className="field-label">Max tokens</span><span className="text-input"><input type="number" min={16} value={f.maxTokens} onChange={(e) => f.setMaxTokens(Math.max(16, Number(e.target.value) || 16))} data-testid="generate-max-tokens" disabled={running} /></span></label>
            <label className="field"><span className="field-label">Parallel</span><span className="text-input"><input type="number" min={1} max={16} value={f.parallel} onChange={(e) => f.setParallel(Math.min(16, Math.max(1, Number(e.target.value) || 1)))} data-testid="generate-parallel" disabled={running} /></span></label>
            <label className="field"><span className="field-label">Per chunk</span><span className="text-input"><input type="number" min={1} max={8} value={f.perChunk} onChange={(e) => f.setPerChunk(Math.min(8, Math.max(1, Number(e.target.value) || 1)))} data-testid="generate-per-chunk" disabled={running} /></span></label>
          </div>
          <p className="generate-estimate" data-testid="generate-estimate" role="status">
            {f.estimate ? `${f.estimate.chunks} chunks · ~${f.estimate.promptTokens.toLocaleString()} prompt tokens · up to ${f.estimate.maxOutputTokens.toLocaleString()} output tokens${f.estimate.seconds !== null ? ` · about ${Math.ceil(f.estimate.seconds)} s at the preview's speed` : ' · preview once to estimate the time'}` : 'Estimating…'}
          </p>
          <div className="convert-row">
            <Button type="submit" variant="primary" icon={SparklesIcon} busy={running} disabled={!f.ready} data-testid="generate-start">Generate</Button>
            {running && jobId && <Button variant="ghost" onClick={() => void cancelGeneration(jobId)} data-testid="generate-cancel">Cancel</Button>}
            {job?.state === 'cancelled' && jobId && <Button onClick={() => { setJob({ fraction: null, message: 'Resuming…', state: 'running' }); void resumeGeneration(jobId).catch((err) => setError(asErrorData(err))); }} data-testid="generate-resume">Resume</Button>}
          </div>
          {job && <JobProgress job={job} testId="generate-progress" />}
          {error && <ErrorAlert title="Generation did not start" error={error} />}
          {last?.targetVersionId && target && (
            <div className="generate-done" data-testid="generate-done">
              <p><strong>{last.items}</strong> examples are waiting for review in <strong>{target.name}</strong>{last.duplicates ? ` · ${last.duplicates} duplicates skipped` : ''}{last.problems ? ` · ${last.problems} chunks gave no example` : ''}. Ungrounded and PII items are tagged.</p>
              <ButtonLink href={`#/datasets/${encodeURIComponent(target.id)}`} variant="primary" icon={ArrowRightIcon}>Open the review queue</ButtonLink>
            </div>
          )}
        </form>
        <PreviewPanel form={f} disabled={running} icon={FileTextIcon} />
      </div>
    </>
  );
}
