import { useEffect, useState } from 'react';
import type { ExampleContent } from '../../../src/shared/contract/features/datasets.js';
import { diffExamples, type DiffPart } from '../../../src/shared/datasets/text-diff.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { ExampleView } from './ExampleView.js';
import { useDiffPage, type DiffKind } from './use-version-diff.js';

const PAGE = 10;

/** The examples behind one Compare count: a changed one side by side (struck-out old words, marked new ones), an added or removed one as it is. */
export function VersionDiffList({ from, to, kind, total }: { from: string; to: string; kind: DiffKind; total: number }) {
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [from, to, kind]);
  const { page, error } = useDiffPage(from, to, kind, offset, PAGE);
  if (total === 0) return <p className="diff-list-empty" data-testid="diff-list-empty">No {kind} examples between these versions.</p>;
  const shown = page?.items ?? [];
  const last = Math.min(offset + PAGE, page?.total ?? total);
  return (
    <section className="diff-list" data-testid="diff-list" aria-label={`${kind} examples`}>
      <header className="diff-list-head">
        <span className="diff-list-count">
          {page ? `${(offset + 1).toLocaleString('en')}–${last.toLocaleString('en')} of ${page.total.toLocaleString('en')} ${kind}` : 'Loading…'}
        </span>
        <span className="diff-list-pager">
          <Button size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</Button>
          <Button size="sm" disabled={!page || last >= page.total} onClick={() => setOffset(offset + PAGE)}>Next</Button>
        </span>
      </header>
      {error && <ErrorAlert title="Could not list the examples" error={error} />}
      {shown.map((item) => (
        <article key={item.source} className={`diff-item is-${kind}`} data-testid="diff-item">
          <span className="diff-item-source">{item.source}</span>
          {item.before && item.after ? (
            <ChangedExample before={item.before} after={item.after} />
          ) : (
            <ExampleView content={(item.after ?? item.before)!} compact />
          )}
        </article>
      ))}
    </section>
  );
}

/** Turn by turn, only the turns that differ: the old text on the left, the new on the right. */
function ChangedExample({ before, after }: { before: ExampleContent; after: ExampleContent }) {
  const turns = diffExamples(before, after);
  if (turns.length === 0) return <p className="diff-list-empty">Same text; only its metadata differs.</p>;
  return (
    <div className="diff-sides">
      <span className="diff-side-title">Before</span>
      <span className="diff-side-title">After</span>
      {turns.map((t, i) => (
        <div key={i} className="diff-turn" role="group" aria-label={t.label}>
          <span className="diff-turn-label">{t.label}</span>
          <div className="diff-turn-sides">
            <p className="diff-side" data-testid="diff-before">{side(t.parts, 'removed')}</p>
            <p className="diff-side" data-testid="diff-after">{side(t.parts, 'added')}</p>
          </div>
        </div>
      ))}
    </div>
  );
}

function side(parts: DiffPart[], show: 'removed' | 'added') {
  return parts.map((p, j) =>
    p.kind === 'same' ? (
      <span key={j}>{p.text}</span>
    ) : p.kind !== show ? null : show === 'removed' ? (
      <del key={j} className="review-diff-removed">{p.text}</del>
    ) : (
      <ins key={j} className="review-diff-added">{p.text}</ins>
    ),
  );
}
