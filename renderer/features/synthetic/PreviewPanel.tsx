import { useState } from 'react';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import type { GeneratedItem } from '../../../src/shared/contract/features/synthetic.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import type { IconComponent } from '../../components/icons.js';
import { asErrorData } from '../../stores/errors.js';
import { previewChunk } from './synthetic-store.js';
import type { GenerateForm } from './use-generate-form.js';

interface Preview { chunk: string; item: GeneratedItem | null; problem: string | null; outputTokens: number; tokensPerSecond: number }

/** Runs the template on one chunk and shows the chunk beside what the teacher made of it, with the grounding verdict. */
export function PreviewPanel({ form, disabled, icon: Icon }: { form: GenerateForm; disabled: boolean; icon: IconComponent }) {
  const [position, setPosition] = useState(0);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const run = async () => {
    setBusy(true); setError(null);
    try {
      const r = await previewChunk(form.request(), position);
      setPreview(r);
      if (r.tokensPerSecond > 0) form.setSpeed(r.tokensPerSecond);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };
  const item = preview?.item;
  return (
    <section className="generate-preview" aria-labelledby="generate-preview-title" data-testid="generate-preview">
      <div className="generate-preview-head">
        <h2 id="generate-preview-title" className="train-section-title">Live preview</h2>
        <label className="generate-chunk-pick">
          <span>Chunk</span>
          <input type="number" min={0} value={position} onChange={(e) => setPosition(Math.max(0, Number(e.target.value) || 0))} aria-label="Chunk position" data-testid="generate-preview-chunk" />
        </label>
        <Button icon={Icon} busy={busy} disabled={disabled || !form.ready} onClick={run} data-testid="generate-preview-run">Preview</Button>
      </div>
      {error && <ErrorAlert title="The preview failed" error={error} />}
      {!preview && !error && <p className="field-hint">Run the template on one chunk to see what the teacher writes before generating hundreds.</p>}
      {preview && (
        <div className="generate-preview-body">
          <div className="generate-chunk">
            <span className="field-label">Source chunk</span>
            <p data-testid="generate-preview-source">{preview.chunk}</p>
          </div>
          <div className="generate-output">
            <span className="field-label">Generated</span>
            {item ? (
              <>
                {item.messages.map((m, i) => <p key={i} className={`generate-msg is-${m.role}`}><strong>{m.role === 'user' ? 'Q' : 'A'}</strong> {m.content}</p>)}
                <p className={`generate-flag ${item.grounding.grounded ? 'is-good' : 'is-bad'}`} data-testid="generate-preview-grounding">{item.grounding.grounded ? 'Grounded' : 'Not grounded'} — {item.grounding.reason}</p>
                {item.pii.length > 0 && <p className="generate-flag is-bad">PII found: {item.pii.map((p) => p.kind).join(', ')}</p>}
                <p className="cell-muted mono">{item.provenance.locator} · seed {item.provenance.seed} · {preview.outputTokens} tokens · {preview.tokensPerSecond.toFixed(1)} tokens/s</p>
              </>
            ) : (
              <p className="generate-flag is-bad">{preview.problem}</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
