import { useEffect, useState } from 'react';
import type { ModelSummary } from '../../../src/shared/contract/index.js';
import { Button } from '../../components/Button.js';
import { ImportIcon } from '../../components/icons.js';
import { formatBytes } from '../../lib/format.js';
import { ImportModelDialog } from '../models/ImportModelDialog.js';
import { formatParams, KIND_LABEL, useModels } from '../models/models-store.js';

/** The trainer loads Hugging Face safetensors folders: registered base models and merged exports. */
export const isTrainable = (m: ModelSummary) => m.format === 'hf';

/** Why a registered model cannot be picked as a base; the picker lists these greyed out rather than hiding them. */
function whyNot(m: ModelSummary): string {
  if (m.format === 'gguf') return 'GGUF runs in llama.cpp only; import the Hugging Face folder it came from';
  return 'an adapter, not a base; pick the model it was trained on';
}

export function modelLine(m: ModelSummary): string {
  return [m.name, m.architecture ?? 'unknown architecture', m.parameters ? `${formatParams(m.parameters)} params` : null, formatBytes(m.sizeBytes), m.format.toUpperCase()].filter(Boolean).join(' · ');
}

interface Props {
  modelId: string;
  onChange(model: ModelSummary | null): void;
  /** A path the run being retried trained on that is not in the registry: offered for import. */
  unregisteredPath?: string;
}

/**
 * The base model, from the model registry (models.list); a folder not yet registered comes in through "Import a
 * model…" (the engine's folder browser), after which it is picked.
 */
export function BaseModelPicker({ modelId, onChange, unregisteredPath }: Props) {
  const { models, status, load } = useModels();
  const [importing, setImporting] = useState<string | null>(null);

  useEffect(() => {
    void load();
  }, [load]);

  const trainable = models.filter(isTrainable);
  const other = models.filter((m) => !isTrainable(m));
  const chosen = models.find((m) => m.id === modelId);

  return (
    <div className="field base-model-field">
      <span className="field-label" id="train-base-model-label">
        Base model
      </span>
      <div className="base-model-row">
        <span className="select-input">
          <select
            aria-labelledby="train-base-model-label"
            data-testid="train-base-model"
            value={chosen ? modelId : ''}
            onChange={(e) => onChange(models.find((m) => m.id === e.target.value) ?? null)}
          >
            <option value="">{status === 'ready' || models.length ? (trainable.length ? 'Choose a registered model…' : 'No trainable model registered yet') : 'Loading the registry…'}</option>
            {trainable.length > 0 && (
              <optgroup label="Hugging Face safetensors">
                {trainable.map((m) => (
                  <option key={m.id} value={m.id}>
                    {modelLine(m)}
                  </option>
                ))}
              </optgroup>
            )}
            {other.length > 0 && (
              <optgroup label="Cannot be trained">
                {other.map((m) => (
                  <option key={m.id} value={m.id} disabled>
                    {m.name} · {KIND_LABEL[m.kind]} — {whyNot(m)}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </span>
        <Button icon={ImportIcon} onClick={() => setImporting('')} data-testid="train-import-model">
          Import a model…
        </Button>
      </div>
      {chosen ? (
        <dl className="base-model-facts" data-testid="train-base-model-facts">
          <div>
            <dt>Family</dt>
            <dd>{chosen.architecture ?? '—'}</dd>
          </div>
          <div>
            <dt>Parameters</dt>
            <dd>{formatParams(chosen.parameters)}</dd>
          </div>
          <div>
            <dt>Size</dt>
            <dd>{formatBytes(chosen.sizeBytes)}</dd>
          </div>
          <div>
            <dt>Format</dt>
            <dd>
              {KIND_LABEL[chosen.kind]} · {chosen.format.toUpperCase()}
            </dd>
          </div>
          <div className="base-model-path">
            <dt>Folder</dt>
            <dd className="mono" title={chosen.path}>
              {chosen.path}
            </dd>
          </div>
        </dl>
      ) : unregisteredPath ? (
        <div className="base-model-unregistered" data-testid="train-base-model-unregistered">
          <span>
            The run trained <span className="mono">{unregisteredPath}</span>, which is not in the model registry.
          </span>
          <Button size="sm" icon={ImportIcon} onClick={() => setImporting(unregisteredPath)} data-testid="train-import-unregistered">
            Import it
          </Button>
        </div>
      ) : (
        <span className="field-hint">
          From the model registry (the Models page). GGUF files and adapters are listed but cannot be a base. <code>npm run demo</code> builds and registers a tiny one.
        </span>
      )}
      <ImportModelDialog
        open={importing !== null}
        initialPath={importing ?? ''}
        subtitle="Pick a Hugging Face model folder (config.json + safetensors) on the engine’s machine; it joins the registry and becomes the base model."
        onClose={() => setImporting(null)}
        onImported={(id) => {
          setImporting(null);
          void useModels
            .getState()
            .load()
            .then(() => {
              const imported = useModels.getState().models.find((m) => m.id === id);
              if (imported && isTrainable(imported)) onChange(imported);
            });
        }}
      />
    </div>
  );
}
