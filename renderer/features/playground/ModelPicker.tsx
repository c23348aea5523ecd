import { usePlayground } from './playground-store.js';
import { modelWithQuant } from '../../lib/format.js';

/** A GGUF model and, optionally, one GGUF LoRA adapter on top of it. */
export function ModelPicker({ lane }: { lane: number }) {
  const { models, targets, setTarget, streaming } = usePlayground();
  const t = targets[lane]!;
  const ggufs = models.filter((m) => m.kind === 'gguf');
  const adapters = models.filter((m) => m.kind === 'gguf-lora');
  const fitting = adapters.filter((a) => !a.baseModelId || a.baseModelId === t.modelId);
  return (
    <div className="pg-picker">
      <label className="field">
        <span className="field-label">{lane === 0 ? 'Model' : 'Compare with'}</span>
        <span className="select-input">
          <select data-testid={`pg-model-${lane}`} value={t.modelId} disabled={Boolean(streaming)} onChange={(e) => setTarget(lane, { modelId: e.target.value, adapterId: '' })}>
            {ggufs.map((m) => (
              <option key={m.id} value={m.id}>
                {modelWithQuant(m)}
              </option>
            ))}
          </select>
        </span>
      </label>
      <label className="field">
        <span className="field-label">Adapter</span>
        <span className="select-input">
          <select data-testid={`pg-adapter-${lane}`} value={t.adapterId} disabled={Boolean(streaming) || fitting.length === 0} onChange={(e) => setTarget(lane, { adapterId: e.target.value })}>
            <option value="">{fitting.length ? 'None (base model)' : 'No adapters for this model'}</option>
            {fitting.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </span>
      </label>
    </div>
  );
}
