import { Fragment, useState } from 'react';
import type { AuditEntry } from '../../../src/shared/contract/index.js';
import { Button } from '../../components/Button.js';
import { ChevronRightIcon } from '../../components/icons.js';
import { formatDateTime, shortHash } from '../../lib/format.js';
import { useAudit } from './audit-store.js';
import { AuditDetails } from './AuditDetails.js';

/** Newest first; a row opens to its details and full hashes. */
export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const fresh = useAudit((s) => s.fresh);
  const setExtra = useAudit((s) => s.setExtra);
  const names = useAudit((s) => s.names);
  // After a failed verify, the first entry that does not hold is marked where the reviewer is looking.
  const brokenSeq = useAudit((s) => (s.verify.status === 'done' ? (s.verify.result?.firstBroken?.seq ?? null) : null));
  const [expanded, setExpanded] = useState<number | null>(null);
  const toggle = (seq: number) => setExpanded((cur) => (cur === seq ? null : seq));

  return (
    // A narrow window keeps every column: long values end in an ellipsis (the whole value is the tooltip and in the
    // opened row), and below the table's minimum width it scrolls sideways inside this box, never the page.
    <div className="table-wrap audit-table-wrap">
      <table className="data-table audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th className="col-seq">#</th>
            <th className="col-time">Time</th>
            <th className="col-actor">Actor</th>
            <th className="col-action">Action</th>
            <th className="col-object">Object</th>
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
                  data-testid="audit-row"
                >
                  <td className="col-seq">
                    {/* The row is clickable with the mouse; keyboard and screen readers use this disclosure button
                        (a row of a plain table may not carry aria-expanded). */}
                    <button type="button" className="row-disclosure" aria-expanded={isOpen} aria-label={`Entry ${e.seq} details`}
                      onClick={(ev) => { ev.stopPropagation(); toggle(e.seq); }} data-testid="audit-row-toggle">
                      <ChevronRightIcon size={12} className="row-chevron" />
                      {e.seq}
                    </button>
                    {brokenSeq === e.seq && (
                      <span className="audit-broken-badge" data-testid="audit-broken-badge">
                        broken
                      </span>
                    )}
                  </td>
                  <td className="cell-muted col-time" title={e.at}>
                    {formatDateTime(e.at)}
                  </td>
                  <td className="col-actor cell-truncate" title={e.actor}>
                    {e.actor}
                  </td>
                  <td className="col-action">
                    <span className="action-pill" title={e.action}>
                      {e.action}
                    </span>
                  </td>
                  <td className="col-object cell-truncate" title={e.objectId ? `${e.objectType} ${e.objectId}` : e.objectType}>
                    <span className="cell-muted">{e.objectType.replace(/_/g, ' ')}</span>
                    {e.objectId && (names[`${e.objectType}:${e.objectId}`] ? (
                      <span className="object-name" data-testid="audit-object-name"> {names[`${e.objectType}:${e.objectId}`]}</span>
                    ) : (
                      <span className="object-id"> {e.objectId}</span>
                    ))}
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
                              {names[`${e.objectType}:${e.objectId}`] && <strong>{names[`${e.objectType}:${e.objectId}`]}</strong>}
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
                          <AuditDetails details={e.details} />
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
