import type { PlaygroundSettings } from '../../../src/shared/contract/features/playground.js';
import { DEFAULT_SETTINGS, usePlayground } from './playground-store.js';

const FIELDS: Array<{ key: keyof PlaygroundSettings; label: string; min: number; max: number; step: number }> = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05 },
  { key: 'topP', label: 'Top-p', min: 0.05, max: 1, step: 0.05 },
  { key: 'topK', label: 'Top-k', min: 0, max: 200, step: 1 },
  { key: 'minP', label: 'Min-p', min: 0, max: 1, step: 0.01 },
  { key: 'repeatPenalty', label: 'Repeat penalty', min: 1, max: 2, step: 0.05 },
  { key: 'maxTokens', label: 'Max tokens', min: 1, max: 4096, step: 1 },
  { key: 'seed', label: 'Seed', min: 0, max: 2 ** 31 - 1, step: 1 },
];

/** System prompt and sampling: applied to the next message, saved with the conversation. */
export function SettingsPanel() {
  const { system, setSystem, settings, setSettings } = usePlayground();
  return (
    <div className="pg-settings-body">
      <label className="field">
        <span className="field-label">System prompt</span>
        <textarea className="pg-textarea" data-testid="pg-system" rows={4} value={system} placeholder="You are a careful assistant for grid engineers." onChange={(e) => setSystem(e.target.value)} />
      </label>
      <div className="pg-settings-grid">
      {FIELDS.map((f) => (
        <label key={f.key} className="field pg-number">
          <span className="field-label">{f.label}</span>
          <span className="text-input">
            <input
              type="number"
              data-testid={`pg-${f.key}`}
              min={f.min}
              max={f.max}
              step={f.step}
              value={settings[f.key] as number}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (Number.isFinite(v)) setSettings({ [f.key]: Math.min(f.max, Math.max(f.min, v)) });
              }}
            />
          </span>
        </label>
      ))}
      </div>
      <p className="field-hint">Temperature 0 always picks the likeliest token; the same seed and settings give the same answer.</p>
      <label className="field">
        <span className="field-label">Stop strings</span>
        <span className="text-input">
          <input data-testid="pg-stop" value={settings.stop.join(', ')} placeholder="e.g. ###, User:" onChange={(e) => setSettings({ stop: e.target.value.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 8) })} />
        </span>
        <span className="field-hint">Comma-separated; generation ends before any of them.</span>
      </label>
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => setSettings(DEFAULT_SETTINGS)}>
        <span>Reset to defaults</span>
      </button>
    </div>
  );
}
