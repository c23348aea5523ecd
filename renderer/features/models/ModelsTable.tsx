import type { ModelSummary } from '../../../src/shared/contract/index.js';
import { formatBytes, formatRelative, shortHash } from '../../lib/format.js';
import { formatParams, KIND_LABEL } from './models-store.js';

/** Registered models, newest first; a row opens the details drawer (click or Enter). */
export function ModelsTable({ models, openId, onOpen }: { models: ModelSummary[]; openId: string | null; onOpen(id: string): void }) {
  const names = new Map(models.map((m) => [m.id, m.name]));
  return (
    <div className="table-wrap">
      <table className="data-table models-table" data-testid="models-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Format</th>
            <th className="num">Size</th>
            <th className="num">Params</th>
            <th>Quant</th>
            <th>sha256</th>
            <th>Parent</th>
            <th>Added</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id} className={`data-row${openId === m.id ? ' is-open' : ''}`} tabIndex={0} data-testid="model-row" data-model-id={m.id}
              onClick={() => onOpen(m.id)}
              onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onOpen(m.id); } }}>
              <td className="model-name">{m.name}</td>
              <td><span className={`kind-badge is-${m.kind}`}>{KIND_LABEL[m.kind]}</span></td>
              <td className="cell-muted">{m.format.toUpperCase()}</td>
              <td className="num">{formatBytes(m.sizeBytes)}</td>
              <td className="num">{formatParams(m.parameters)}</td>
              <td className="mono">{m.quantization ?? '—'}</td>
              <td className="col-hash"><code title={m.sha256}>{shortHash(m.sha256)}</code></td>
              <td className="cell-muted">{m.parentId ? names.get(m.parentId) ?? shortHash(m.parentId) : '—'}</td>
              <td className="cell-muted">{formatRelative(m.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
