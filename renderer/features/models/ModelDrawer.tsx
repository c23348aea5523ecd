import { useEffect, useState } from 'react';
import type { GgufOuttype, LatheErrorData, ModelSummary } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Drawer } from '../../components/Drawer.js';
import { LayersIcon } from '../../components/icons.js';
import { formatBytes, formatDateTime, shortHash } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { useJobs, useRunningJobFor } from '../../stores/jobs.js';
import { JobProgress } from './JobProgress.js';
import { QuantToolsNotice } from './QuantToolsNotice.js';
import { useEngine } from '../../stores/engine.js';
import { convertModel, followJob, formatParams, KIND_LABEL, loadModelDetail, newJobId, type JobState } from './models-store.js';
import { useCan } from '../../stores/session.js';

const OUTTYPES: Record<string, GgufOuttype[]> = {
  hf: ['F16', 'BF16', 'Q8_0', 'Q4_K_M', 'Q5_K_M', 'Q6_K'],
  peft: ['F16', 'BF16', 'Q8_0'],
  gguf: ['Q8_0', 'Q4_K_M', 'Q5_K_M', 'Q6_K'],
};

/** One model: its facts, where it came from, what was made from it, and a conversion to GGUF. */
export function ModelDrawer({ modelId, onClose, onOpen, onChanged }: { modelId: string | null; onClose(): void; onOpen(id: string): void; onChanged(): void }) {
  const canTrain = useCan('train');
  const [detail, setDetail] = useState<{ model: ModelSummary; parent: ModelSummary | null; children: ModelSummary[] } | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [outtype, setOuttype] = useState<GgufOuttype>('F16');
  const [job, setJob] = useState<JobState | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  const load = async (id: string) => {
    try {
      setDetail(await loadModelDetail(id));
    } catch (err) {
      setError(asErrorData(err));
    }
  };
  useEffect(() => {
    setDetail(null); setError(null); setJob(null);
    if (modelId) void load(modelId);
  }, [modelId]);

  const m = detail?.model;
  const choices = m ? (m.kind === 'gguf' ? (['F32', 'F16', 'BF16'].includes(m.quantization ?? '') ? OUTTYPES.gguf! : []) : m.kind === 'gguf-lora' ? [] : OUTTYPES[m.format] ?? []) : [];
  useEffect(() => {
    if (choices.length && !choices.includes(outtype)) setOuttype(choices[0]!);
  }, [m?.id]);

  // A conversion of this model already running (from before a navigation, another window or the CLI): its bar
  // and Cancel come from the job list, and Convert waits for it.
  const running = useRunningJobFor('model.convert', m?.id);
  const busyJobId = jobId ?? running?.jobId ?? null;
  const shownJob: JobState | null = running && !jobId ? { fraction: running.fraction, message: `${running.label}: ${running.message}`, state: running.state } : job;

  const convert = async () => {
    if (!m) return;
    const id = newJobId('model-convert');
    setJobId(id); setError(null);
    setJob({ fraction: 0, message: 'Starting…', state: 'running' });
    const stop = followJob(id, setJob);
    try {
      await convertModel(m.id, outtype, id);
      await load(m.id);
      onChanged();
    } catch (err) {
      const e = asErrorData(err);
      if (e.code !== 'CANCELLED') setError(e);
    } finally {
      stop();
      setJobId(null);
      void useEngine.getState().loadInfo(); // the quantizer may have been built by this conversion
    }
  };

  return (
    <Drawer open={modelId !== null} title={m?.name ?? 'Model'} subtitle={m ? `${KIND_LABEL[m.kind]} · ${m.format.toUpperCase()}${m.quantization ? ` · ${m.quantization}` : ''}` : undefined} onClose={onClose} testId="model-drawer">
      {error && <ErrorAlert title="Something went wrong" error={error} />}
      {!m ? (
        <div className="drawer-loading">Loading…</div>
      ) : (
        <>
          <section className="drawer-section">
            <h3 className="drawer-section-title">Facts</h3>
            <dl className="fact-grid">
              <div><dt>Architecture</dt><dd>{m.architecture ?? '—'}</dd></div>
              <div><dt>Parameters</dt><dd>{formatParams(m.parameters)}</dd></div>
              <div><dt>Context length</dt><dd>{m.contextLength?.toLocaleString() ?? '—'}</dd></div>
              <div><dt>Size</dt><dd>{formatBytes(m.sizeBytes)}</dd></div>
              <div><dt>License</dt><dd>{m.license ?? 'not stated'}</dd></div>
              <div><dt>Chat template</dt><dd>{m.chatTemplate ? 'yes' : 'none'}</dd></div>
              <div><dt>Registered</dt><dd>{formatDateTime(m.createdAt)} by {m.createdBy}</dd></div>
              <div><dt>Files</dt><dd>{m.copied ? 'copied into the library' : 'referenced in place'}</dd></div>
            </dl>
            <div className="path mono" title={m.path}>{m.path}</div>
            <div className="model-sha"><span className="field-label">sha256</span> <code data-testid="model-sha">{m.sha256}</code></div>
            <a className="link-btn" href={`#/lineage/model/${encodeURIComponent(m.id)}`} data-testid="model-open-lineage">Open lineage →</a>
          </section>
          <section className="drawer-section" data-testid="model-lineage">
            <h3 className="drawer-section-title">Lineage</h3>
            {detail!.parent ? (
              <p>Made from <button type="button" className="link-btn" onClick={() => onOpen(detail!.parent!.id)}>{detail!.parent.name}</button> <code>{shortHash(detail!.parent.sha256)}</code></p>
            ) : (
              <p className="cell-muted">An original import: no parent in the library.</p>
            )}
            {detail!.children.length > 0 ? (
              <ul className="lineage-list">
                {detail!.children.map((c) => (
                  <li key={c.id}>
                    <button type="button" className="link-btn" onClick={() => onOpen(c.id)}>{c.name}</button>
                    <span className="kind-badge">{KIND_LABEL[c.kind]}</span>
                    {c.quantization && <span className="kind-badge">{c.quantization}</span>}
                    <code>{shortHash(c.sha256)}</code>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="cell-muted">Nothing made from it yet.</p>
            )}
          </section>
          {choices.length > 0 && canTrain && (
            <section className="drawer-section">
              <h3 className="drawer-section-title">Convert to GGUF</h3>
              <p className="field-hint">With llama.cpp’s own converter (the same llama.cpp version the playground runs); k-quants with llama-quantize. The output is hashed and registered as a child of this model.</p>
              <div className="convert-row">
                <span className="select-input">
                  <select aria-label="Output type" value={outtype} onChange={(e) => setOuttype(e.target.value as GgufOuttype)} data-testid="convert-outtype" disabled={jobId !== null}>
                    {choices.map((c) => <option key={c} value={c}>{c}</option>)}
                  </select>
                </span>
                <Button variant="primary" icon={LayersIcon} busy={busyJobId !== null} onClick={convert} data-testid="convert-start">Convert</Button>
                {busyJobId && <Button variant="ghost" onClick={() => void useJobs.getState().cancel(busyJobId).catch((err) => setError(asErrorData(err)))}>Cancel</Button>}
              </div>
              {['Q4_K_M', 'Q5_K_M', 'Q6_K'].includes(outtype) && <QuantToolsNotice />}
              {shownJob && <JobProgress job={shownJob} testId="convert-progress" />}
            </section>
          )}
        </>
      )}
    </Drawer>
  );
}
