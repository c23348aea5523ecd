import { Fragment, useState } from 'react';
import type { AuditEntry } from '../../../src/shared/contract/index.js';
import { Button } from '../../components/Button.js';
import { ChevronRightIcon } from '../../components/icons.js';
import { formatDateTime, shortHash } from '../../lib/format.js';
import { useAudit } from '../../stores/audit.js';

/** Newest first; a row opens to its details and full hashes. */
export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const fresh = useAudit((s) => s.fresh);
  const setExtra = useAudit((s) => s.setExtra);
  // After a failed verify, the first entry that does not hold is marked where the reviewer is looking.
  const brokenSeq = useAudit((s) => (s.verify.status === 'done' ? (s.verify.result?.firstBroken?.seq ?? null) : null));
  const [expanded, setExpanded] = useState<number | null>(null);
  const toggle = (seq: number) => setExpanded((cur) => (cur === seq ? null : seq));

  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="audit-table">
        <thead>
          <tr>
            <th className="col-seq">#</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Object</th>
            <th className="col-hash">Hash</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const isOpen = expanded === e.seq;
            return (
              <Fragment key={e.seq}>
                <tr
                  className={`data-row${isOpen ? ' is-open' : ''}${fresh.includes(e.seq) ? ' is-fresh' : ''}${brokenSeq === e.seq ? ' is-broken' : ''}`}
                  onClick={() => toggle(e.seq)}
                  onKeyDown={(ev) => {
                    if (ev.key === 'Enter' || ev.key === ' ') {
                      ev.preventDefault();
                      toggle(e.seq);
                    }
                  }}
                  tabIndex={0}
                  aria-expanded={isOpen}
                  data-testid="audit-row"
                >
                  <td className="col-seq">
                    <ChevronRightIcon size={12} className="row-chevron" />
                    {e.seq}
                    {brokenSeq === e.seq && (
                      <span className="audit-broken-badge" data-testid="audit-broken-badge">
                        broken
                      </span>
                    )}
                  </td>
                  <td className="cell-muted" title={e.at}>
                    {formatDateTime(e.at)}
                  </td>
                  <td>{e.actor}</td>
                  <td>
                    <span className="action-pill">{e.action}</span>
                  </td>
                  <td>
                    <span className="cell-muted">{e.objectType}</span>
                    {e.objectId && <span className="object-id"> {e.objectId}</span>}
                  </td>
                  <td className="col-hash">
                    <code title={e.hash}>{shortHash(e.hash)}</code>
                  </td>
                </tr>
                {isOpen && (
                  <tr className="detail-row">
                    <td colSpan={6}>
                      <dl className="detail-grid">
                        {e.objectId && (
                          <>
                            <dt>Object</dt>
                            <dd className="audit-object-line">
                              <code>
                                {e.objectType} {e.objectId}
                              </code>
                              <Button size="sm" variant="ghost" onClick={() => setExtra({ objectId: e.objectId ?? '' })} data-testid="audit-object-history">
                                Every entry for this object
                              </Button>
                            </dd>
                          </>
                        )}
                        <dt>Hash</dt>
                        <dd>
                          <code>{e.hash}</code>
                        </dd>
                        <dt>Previous</dt>
                        <dd>
                          <code>{e.prevHash}</code>
                        </dd>
                        <dt>Details</dt>
                        <dd>
                          <pre className="json">{JSON.stringify(e.details, null, 2)}</pre>
                        </dd>
                      </dl>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
