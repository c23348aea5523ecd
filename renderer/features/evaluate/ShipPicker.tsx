import { useEffect, useState } from 'react';
import { getClient } from '../../stores/connection.js';

export interface ShipChoice { exportId: string; file: string }

/**
 * What the decision approves: the compared candidate as a registry model, or one exported GGUF file (the bytes
 * that ship). Picking a file makes the gate count only evals of exactly that file.
 */
export function ShipPicker({ value, onChange }: { value: ShipChoice | null; onChange: (v: ShipChoice | null) => void }) {
  const [options, setOptions] = useState<Array<ShipChoice & { label: string }>>([]);
  useEffect(() => {
    void getClient()
      .send('exports.list', {})
      .then(({ exports }) => setOptions(exports.filter((e) => e.status === 'draft').flatMap((e) => e.files.filter((f) => f.path.toLowerCase().endsWith('.gguf')).map((f) => ({ exportId: e.id, file: f.path, label: `${e.name} · ${f.path}` })))))
      .catch(() => setOptions([]));
  }, []);
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
