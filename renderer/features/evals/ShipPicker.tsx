import { useShipOptions, type ShipChoice } from './evals-gate-store.js';

/**
 * What the decision approves: the compared candidate as a registry model, or one exported GGUF file (the bytes
 * that ship). Picking a file makes the gate count only evals of exactly that file.
 */
export function ShipPicker({ value, onChange }: { value: ShipChoice | null; onChange: (v: ShipChoice | null) => void }) {
  const options = useShipOptions();
  if (options.length === 0) return null;
  const key = (c: ShipChoice | null) => (c ? `${c.exportId}/${c.file}` : '');
  return (
    <label className="field ev-ship">
      <span className="field-label">Ships</span>
      <span className="select-input">
        <select data-testid="ev-ship" value={key(value)} onChange={(e) => { const o = options.find((x) => key(x) === e.target.value); onChange(o ? { exportId: o.exportId, file: o.file } : null); }}>
          <option value="">The candidate (B) as evaluated</option>
          {options.map((o) => <option key={key(o)} value={key(o)}>Exported file: {o.label}</option>)}
        </select>
      </span>
    </label>
  );
}
