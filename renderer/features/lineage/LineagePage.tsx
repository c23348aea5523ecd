import { useLayoutEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { LineageKind, LineageNode } from '../../../src/shared/contract/features/lineage.js';
import { ErrorAlert } from '../../components/Alert.js';
import { EmptyState } from '../../components/EmptyState.js';
import { CopyIcon, LineageIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pages } from '../shell/pages.js';
import { parseHashPath } from '../shell/useHashRoute.js';
import { formatDateTime } from '../../lib/format.js';
import { useLineage } from './lineage-store.js';
import '../../styles/lineage.css';

const KIND_LABEL: Record<LineageKind, string> = { version: 'Dataset version', run: 'Training run', model: 'Model', eval: 'Evaluation', export: 'Export', release: 'Release' };
const KINDS = Object.keys(KIND_LABEL) as LineageKind[];

export const lineageHref = (kind: LineageKind, id: string) => `#/lineage/${kind}/${encodeURIComponent(id)}`;

function useHashPath(): string[] {
  const hash = useSyncExternalStore((f) => (window.addEventListener('hashchange', f), () => window.removeEventListener('hashchange', f)), () => window.location.hash);
  return useMemo(() => parseHashPath(hash), [hash]);
}

/**
 * Lineage, left to right: what the focused object came from (upstream columns) and what came of it (downstream),
 * each card a library object with its hash. Clicking a card makes it the focus, so a reviewer can walk from a
 * release back to the data and forward again.
 */
export function LineagePage() {
  const [kind, id] = useHashPath();
  const focusKind = KINDS.includes(kind as LineageKind) ? (kind as LineageKind) : null;
  const { graph, error, recent } = useLineage(focusKind, id);

  const columns = useMemo(() => {
    const byDepth = new Map<number, LineageNode[]>();
    for (const n of graph?.nodes ?? []) byDepth.set(n.depth, [...(byDepth.get(n.depth) ?? []), n]);
    return [...byDepth.entries()].sort((a, b) => a[0] - b[0]);
  }, [graph]);
  const focus = graph?.nodes.find((n) => n.depth === 0) ?? null;
  const graphBox = useRef<HTMLDivElement>(null);
  // The focus column sits after its upstream columns: when they do not all fit, pan the graph (its own scroller,
  // never the page) so the focus card is in view, centred where there is room, and never under the facts panel.
  useLayoutEffect(() => {
    const box = graphBox.current;
    const card = box?.querySelector<HTMLElement>('.lineage-card.is-focus');
    if (!box || !card) return;
    const column = card.parentElement ?? card; // offsetLeft is from the graph's padding edge (it is position: relative)
    box.scrollLeft = Math.max(0, column.offsetLeft - Math.max(0, (box.clientWidth - column.offsetWidth) / 2));
  }, [graph]);
  const incoming = (n: LineageNode) => graph?.edges.filter((e) => e.to === `${n.kind}:${n.id}`).map((e) => e.label) ?? [];

  return (
    <>
      <PageHeader {...pages.lineage} />
      {error && <ErrorAlert title="Could not trace this object" error={error} />}
      {!focusKind && (
        <EmptyState id="lineage" icon={LineageIcon} title="Pick something to trace" description="Open the lineage of a model below, or use the Lineage buttons on runs, evaluations and exports.">
          <div className="lineage-picks" data-testid="lineage-picks">
            {recent.map((r) => (
              <a key={r.id} className="lineage-pick" href={lineageHref(r.kind, r.id)}>
                <span className="lineage-kind">{r.sub}</span> {r.label}
              </a>
            ))}
          </div>
        </EmptyState>
      )}
      {graph && (
        <div className="lineage-frame">
          <div className="lineage-layout">
            <div className="lineage-columns" data-testid="lineage-graph" ref={graphBox}>
              {columns.map(([depth, nodes]) => (
                <div className="lineage-column" key={depth}>
                  <div className="lineage-column-head">{depth === 0 ? 'Focus' : depth < 0 ? `${-depth} step${depth < -1 ? 's' : ''} upstream` : `${depth} step${depth > 1 ? 's' : ''} downstream`}</div>
                  {nodes.map((n) => (
                    <a key={`${n.kind}:${n.id}`} href={lineageHref(n.kind, n.id)} className={`lineage-card is-${n.kind}${n.depth === 0 ? ' is-focus' : ''}`} data-testid={`lineage-node-${n.kind}`} aria-current={n.depth === 0 ? 'true' : undefined}>
                      <span className="lineage-kind">{KIND_LABEL[n.kind]} · {n.sub}</span>
                      <span className="lineage-label">{n.label}</span>
                      {n.hash && <code className="lineage-hash">{n.hash.slice(0, 16)}…</code>}
                      {incoming(n).length > 0 && <span className="lineage-edge">← {[...new Set(incoming(n))].join(', ')}</span>}
                    </a>
                  ))}
                </div>
              ))}
            </div>
            {focus && <FocusFacts node={focus} truncated={graph.truncated} />}
          </div>
        </div>
      )}
    </>
  );
}

function FocusFacts({ node, truncated }: { node: LineageNode; truncated: boolean }) {
  return (
    <aside className="lineage-facts" data-testid="lineage-facts">
      <div className="lineage-kind">{KIND_LABEL[node.kind]}</div>
      <h2>{node.label}</h2>
      <dl>
        <dt>Created</dt>
        <dd>{formatDateTime(node.createdAt)}</dd>
        {node.facts.map((f) => (
          <div key={f.label}>
            <dt>{f.label}</dt>
            <dd className={/sha|hash/i.test(f.label) || f.value.length > 40 ? 'is-mono' : ''}>
              {f.value}
              {/sha|hash/i.test(f.label) && (
                <button type="button" className="icon-btn" aria-label={`Copy ${f.label}`} onClick={() => void navigator.clipboard?.writeText(f.value)}>
                  <CopyIcon size={12} />
                </button>
              )}
            </dd>
          </div>
        ))}
      </dl>
      {truncated && <p className="lineage-note">The graph was cut at its node limit; open a node to see further.</p>}
    </aside>
  );
}
