import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { operationLabel } from './ComparePanel.js';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format.js';

interface VersionsTableProps {
  versions: DatasetVersion[];
  selectedId: string | null;
  onSelect(versionId: string): void;
}

/** Every version of a dataset, newest first; each is immutable and names the version it was made from. */
export function VersionsTable({ versions, selectedId, onSelect }: VersionsTableProps) {
  const numberOf = new Map(versions.map((v) => [v.id, v.number]));
  const latest = versions[0]?.id;
  return (
    <div className="table-wrap versions-wrap">
      <table className="data-table versions-table" data-testid="versions-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Operation</th>
            <th className="col-num">Examples</th>
            <th>Content hash</th>
            <th>Parent</th>
            <th>Created by</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => {
            const selected = v.id === selectedId;
            const parent = v.parentId ? numberOf.get(v.parentId) : undefined;
            return (
              <tr
                key={v.id}
                className={`data-row${selected ? ' is-selected' : ''}`}
                onClick={() => onSelect(v.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(v.id);
                  }
                }}
                tabIndex={0}
                aria-selected={selected}
                data-testid="version-row"
              >
                <td>
                  <span className="version-tag">v{v.number}</span>
                  {v.id === latest && <span className="latest-tag">latest</span>}
                </td>
                <td>
                  <span className={`action-pill op-pill is-${v.operation}`} data-testid="version-operation" data-operation={v.operation}>
                    {operationLabel(v.operation)}
                  </span>
                  {typeof v.params.file === 'string' && (
                    <span className="version-file" title={v.params.file}>
                      {baseName(v.params.file)}
                    </span>
                  )}
                </td>
                <td className="col-num">{v.exampleCount.toLocaleString('en')}</td>
                <td className="col-hash-left">
                  <code title={v.contentHash}>{shortHash(v.contentHash, 12)}</code>
                </td>
                <td className="cell-muted">{v.parentId ? (parent !== undefined ? `v${parent}` : shortHash(v.parentId, 8)) : '—'}</td>
                <td>{v.createdBy}</td>
                <td className="cell-muted" title={formatDateTime(v.createdAt)}>
                  {formatRelative(v.createdAt)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
