import { useState } from 'react';
import { ChevronRightIcon } from '../../components/icons.js';
import { numberFields, type TrainForm } from './presets.js';
import { PREFERENCE_OBJECTIVES } from '../../../src/shared/contract/features/runs.js';

/** Every setting, for those who want them; the presets fill the common ones. */
export function AdvancedFields({ form, update }: { form: TrainForm; update(patch: Partial<TrainForm>): void }) {
  const [open, setOpen] = useState(false);
  return (
    <div className={`advanced${open ? ' is-open' : ''}`}>
      <button type="button" className="advanced-toggle" aria-expanded={open} aria-controls="train-advanced" data-testid="train-advanced-toggle" onClick={() => setOpen(!open)}>
        <ChevronRightIcon size={14} className="advanced-chevron" />
        Advanced
        <span className="advanced-summary">
          {form.maxSteps} steps · lr {form.lr} · rank {form.loraRank} · seq {form.maxSeqLen} · batch {form.microBatchSize}×{form.gradAccum} · {form.device}
          {form.precision !== 'auto' ? ` · ${form.precision}` : ''}
          {form.gradientCheckpointing ? ' · checkpointing' : ''}
        </span>
      </button>
      {open && (
        <div className="advanced-grid" id="train-advanced" data-testid="train-advanced">
          {numberFields.map((f) => (
            <NumberField key={f.key} label={f.label} hint={f.hint} float={f.float} testId={`train-field-${f.key}`} value={form[f.key]} onChange={(v) => update({ [f.key]: v })} />
          ))}
          <label className="field">
            <span className="field-label">Device</span>
            <span className="select-input">
              <select data-testid="train-field-device" value={form.device} onChange={(e) => update({ device: e.target.value as TrainForm['device'] })}>
                <option value="auto">Auto (GPU if present)</option>
                <option value="cuda">CUDA GPU</option>
                <option value="cpu">CPU</option>
              </select>
            </span>
            <span className="field-hint">CPU works for tiny models and smoke tests.</span>
          </label>
          <label className="field">
            <span className="field-label">Precision</span>
            <span className="select-input">
              <select data-testid="train-field-precision" value={form.precision} onChange={(e) => update({ precision: e.target.value as TrainForm['precision'] })}>
                <option value="auto">Auto (bf16 on GPU, fp32 on CPU)</option>
                <option value="bf16">bf16</option>
                <option value="fp16">fp16</option>
                <option value="fp32">fp32</option>
              </select>
            </span>
            <span className="field-hint">16-bit halves weight and activation memory on GPUs that support it.</span>
          </label>
          <label className="field">
            <span className="field-label">Attention</span>
            <span className="select-input">
              <select data-testid="train-field-attnImplementation" value={form.attnImplementation} onChange={(e) => update({ attnImplementation: e.target.value as TrainForm['attnImplementation'] })}>
                <option value="auto">auto</option>
                <option value="sdpa">SDPA</option>
                <option value="eager">eager</option>
                <option value="flash_attention_2">FlashAttention 2</option>
              </select>
            </span>
            <span className="field-hint">Auto picks what the model family supports (eager for Gemma 2, SDPA otherwise).</span>
          </label>
          <label className="field">
            <span className="field-label">GPUs</span>
            <span className="text-input is-mono">
              <input
                data-testid="train-field-devices"
                value={form.devices.join(',')}
                placeholder="first free GPU"
                spellCheck={false}
                onChange={(e) => {
                  const ids = e.target.value.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
                  if (ids.every((n) => Number.isInteger(n) && n >= 0)) update({ devices: ids });
                }}
              />
            </span>
            <span className="field-hint">GPU indices, e.g. 0,1: more than one trains on all of them (one job per GPU).</span>
          </label>
          {form.devices.length > 1 && (
            <label className="field">
              <span className="field-label">Across GPUs</span>
              <span className="select-input">
                <select data-testid="train-field-sharding" value={form.sharding} onChange={(e) => update({ sharding: e.target.value as TrainForm['sharding'] })}>
                  <option value="ddp">a copy on each (DDP)</option>
                  <option value="fsdp">split over them (FSDP)</option>
                </select>
              </span>
              <span className="field-hint">Split when the model does not fit one GPU: each holds 1/{form.devices.length} of weights, gradients and optimizer state.</span>
            </label>
          )}
          <label className="field advanced-check">
            <span className="check-row">
              <input type="checkbox" data-testid="train-field-gradientCheckpointing" checked={form.gradientCheckpointing} onChange={(e) => update({ gradientCheckpointing: e.target.checked })} />
              <span className="field-label">Gradient checkpointing</span>
            </span>
            <span className="field-hint">Recomputes activations in the backward pass: much less memory, about 30&nbsp;% slower.</span>
          </label>
          {!(PREFERENCE_OBJECTIVES as readonly string[]).includes(form.objective) && (
            <label className="field advanced-check">
              <span className="check-row">
                <input type="checkbox" data-testid="train-field-packing" checked={form.packing ?? true} onChange={(e) => update({ packing: e.target.checked })} />
                <span className="field-label">Pack examples</span>
              </span>
              <span className="field-hint">{form.objective === 'cpt' ? 'On by default for documents: each chunk attends only to itself inside a packed row.' : 'On by default: short conversations share full rows without padding, each attending only to itself (faster when lengths vary). Off pads every conversation to the longest in its batch.'}</span>
            </label>
          )}
          <label className="field advanced-check">
            <span className="check-row">
              <input type="checkbox" data-testid="train-field-evalAtStart" checked={form.evalAtStart} onChange={(e) => update({ evalAtStart: e.target.checked })} />
              <span className="field-label">Validate before the first step</span>
            </span>
            <span className="field-hint">Records the base model’s validation loss, for a before/after comparison.</span>
          </label>
        </div>
      )}
    </div>
  );
}

interface NumberFieldProps {
  label: string;
  hint: string;
  value: number;
  float?: boolean;
  testId: string;
  onChange(value: number): void;
}

/** Keeps what the user typed (e.g. "1e-" on the way to "1e-2") and reports only numbers that parse. */
function NumberField({ label, hint, value, float, testId, onChange }: NumberFieldProps) {
  const [text, setText] = useState<string | null>(null);
  const parsed = text === null ? value : Number(text);
  const invalid = text !== null && (text.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || (!float && !Number.isInteger(parsed)));
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className={`text-input is-mono${invalid ? ' is-invalid' : ''}`}>
        <input
          data-testid={testId}
          inputMode={float ? 'decimal' : 'numeric'}
          value={text ?? String(value)}
          aria-invalid={invalid || undefined}
          onChange={(e) => {
            setText(e.target.value);
            const n = Number(e.target.value);
            if (e.target.value.trim() !== '' && Number.isFinite(n) && n >= 0 && (float || Number.isInteger(n))) onChange(n);
          }}
          onBlur={() => setText(null)}
        />
      </span>
      <span className="field-hint">{invalid ? 'Not a valid number.' : hint}</span>
    </label>
  );
}
