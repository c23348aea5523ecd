import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DatasetVersion, ExampleContent, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import type { ExampleFilter, ReviewAction, ReviewedExample, ReviewEntry, ReviewState } from '../../../src/shared/contract/features/review.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { GitCommitIcon, UndoIcon } from '../../components/icons.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';
import { adjudicateExample, listReviewExamples, loadReviewHistory, loadReviewSummary, makeReviewedVersion, reviewExample, undoReview } from './datasets-store.js';
import { summarizeExample } from './example-summary.js';
import { ReviewAgreementLine } from './ReviewAgreementLine.js';
import { ReviewAssignmentsPanel } from './ReviewAssignmentsPanel.js';
import { ReviewCard, type CardMode } from './ReviewCard.js';
import { ReviewFilters, STATUS_LABELS } from './ReviewFilters.js';
import '../../styles/review.css';
import { useCan, useSignedInName } from '../../stores/session.js';

const REVIEWER_KEY = 'lathe.reviewer';
type Summary = ResultOf<'reviews.summary'>;

/**
 * The review queue of one version. Buttons on the card, each showing its key: A accept, R reject, E edit, S skip,
 * C comment, T tag, U or Ctrl+Z undo; J/K next/previous. A verdict moves on to the next example in the filtered list.
 * Opening the queue scrolls it to the top of the page, so the card is in view on a laptop screen.
 */
export function ReviewQueue({ version, onVersionMade }: { version: DatasetVersion; onVersionMade(v: DatasetVersion): void }) {
  const [filter, setFilter] = useState<ExampleFilter>({});
  const [items, setItems] = useState<ReviewedExample[]>([]);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [summary, setSummary] = useState<Summary | null>(null);
  // Verdicts and history with the position they belong to: another card's are never shown while this one's load.
  const [details, setDetails] = useState<{ position: number; state: ReviewState; history: ReviewEntry[] } | null>(null);
  const [mode, setMode] = useState<CardMode>('view');
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [busy, setBusy] = useState(false);
  const [includeUnreviewed, setIncludeUnreviewed] = useState(false);
  const [reviewer, setReviewer] = useState(() => localStorage.getItem(REVIEWER_KEY) ?? '');
  /** Team mode: the engine records the signed-in user; no name to type. */
  const signedIn = useSignedInName();
  const canLabel = useCan('label');
  const canCurate = useCan('curate');
  const root = useRef<HTMLDivElement>(null);
  const current = items[cursor] ?? null;

  // The list is a window of up to a page of matches starting at `windowStart`, so a version of millions pages smoothly.
  const windowStart = useRef(0);
  const load = useCallback(
    async (keepPosition: number | null, after = false) => {
      if (keepPosition === null) windowStart.current = 0;
      const [page, sum] = await Promise.all([listReviewExamples(version.id, filter, { fromPosition: windowStart.current }), loadReviewSummary(version.id)]);
      setItems(page.examples);
      setTotal(page.total);
      setSummary(sum);
      if (keepPosition === null) setCursor(0);
      else {
        const i = page.examples.findIndex((e) => (after ? e.position > keepPosition : e.position >= keepPosition));
        setCursor(i === -1 ? Math.max(0, page.examples.length - 1) : i);
      }
    },
    [version.id, filter],
  );

  /** Past either end of the window: fetch the next (or previous) matches and keep going. */
  const move = useCallback(
    async (delta: 1 | -1) => {
      if (delta === 1 && cursor < items.length - 1) return setCursor(cursor + 1);
      if (delta === -1 && cursor > 0) return setCursor(cursor - 1);
      const edge = items[cursor];
      if (!edge) return;
      const page = await listReviewExamples(version.id, filter, delta === 1 ? { fromPosition: edge.position + 1 } : { beforePosition: edge.position });
      if (!page.examples.length) return;
      const next = delta === 1 ? page.examples : [...page.examples].reverse();
      windowStart.current = next[0]!.position;
      setItems(next);
      setTotal(page.total);
      setCursor(delta === 1 ? 0 : next.length - 1);
    },
    [cursor, items, version.id, filter],
  );

  useEffect(() => {
    setError(null);
    load(null).catch((err) => setError(asErrorData(err)));
  }, [load]);

  // The focused example's verdicts and history follow the cursor.
  const position = current?.position ?? null;
  useEffect(() => {
    if (position === null) return;
    let live = true;
    loadReviewHistory(version.id, position)
      .then((h) => {
        if (!live) return;
        setDetails({ position, state: h.state, history: h.entries });
      })
      .catch((err) => live && setError(asErrorData(err)));
    return () => {
      live = false;
    };
  }, [version.id, position, items]);

  useEffect(() => {
    root.current?.focus({ preventScroll: true });
  }, []);
  // The dataset header and versions table sit above the queue: once the first examples are in (the page is tall
  // enough then), bring the queue and its tabs to the top, so the card is in view on a laptop screen.
  const broughtIntoView = useRef(false);
  useEffect(() => {
    if (broughtIntoView.current || items.length === 0) return;
    broughtIntoView.current = true;
    (root.current?.closest('.examples-section') ?? root.current)?.scrollIntoView({ block: 'start' });
  }, [items.length]);
  useEffect(() => {
    document.querySelector(`[data-review-item="${cursor}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  const who = signedIn ? undefined : reviewer.trim() || undefined;

  async function act(action: ReviewAction, extra: { content?: ExampleContent; tag?: string; reason?: string } = {}) {
    if (!current || busy) return;
    setBusy(true);
    setError(null);
    try {
      await reviewExample(version.id, current.position, action, extra, who);
      const advance = action === 'accept' || action === 'reject' || action === 'skip' || action === 'edit';
      await load(current.position, advance);
      setMode('view');
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
      root.current?.focus({ preventScroll: true });
    }
  }

  async function settle(verdict: 'accept' | 'reject', reason: string) {
    if (!current || busy) return;
    setBusy(true);
    setError(null);
    try {
      await adjudicateExample(version.id, current.position, verdict, reason);
      await load(current.position, false);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  async function undo() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await undoReview(version.id, who);
      if (r.undone && !items.some((it) => it.position === r.undone!.position)) windowStart.current = r.undone.position;
      if (!r.undone) useToasts.getState().push({ tone: 'info', title: 'Nothing to undo', message: `${who ?? 'You'} made no review action in v${version.number} that is still in effect.`, hint: null });
      await load(r.undone?.position ?? current?.position ?? null);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
      root.current?.focus({ preventScroll: true }); // after a click on Undo, the keys work again at once
    }
  }

  async function makeVersion() {
    setBusy(true);
    setError(null);
    try {
      const r = await makeReviewedVersion(version.id, includeUnreviewed);
      useToasts.getState().push({
        tone: 'success',
        title: `Version ${r.version.number}: kept ${r.kept} (${r.edited} edited), left out ${r.dropped}`,
        message: `Made from the review of v${version.number}${r.disagreements ? `; ${r.disagreements} disputed examples left out` : ''}. v${version.number} stays as it was.`,
        hint: null,
      });
      onVersionMade(r.version);
    } catch (err) {
      setError(asErrorData(err));
      setBusy(false);
    }
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea') || mode !== 'view') return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      void undo();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    // Someone who may only read (team mode's viewer) moves through the queue; the judging keys are not theirs.
    const judging: Record<string, () => void> = canLabel ? {
      a: () => void act('accept'),
      r: () => void act('reject'),
      s: () => void act('skip'),
      e: () => current && setMode('edit'),
      c: () => current && setMode('comment'),
      t: () => current && setMode('tag'),
      u: () => void undo(),
    } : {};
    const keys: Record<string, () => void> = {
      ...judging,
      j: () => void move(1).catch((err) => setError(asErrorData(err))),
      k: () => void move(-1).catch((err) => setError(asErrorData(err))),
      ArrowDown: () => void move(1).catch((err) => setError(asErrorData(err))),
      ArrowUp: () => void move(-1).catch((err) => setError(asErrorData(err))),
    };
    const run = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (run) {
      e.preventDefault();
      run();
    }
  };

  const counts = summary?.byStatus;
  const reviewed = summary ? summary.total - summary.byStatus.unreviewed : 0;
  return (
    <div className="review" ref={root} tabIndex={-1} onKeyDown={onKeyDown} data-testid="review-queue" aria-label={`Review v${version.number}`}>
      <ReviewFilters filter={filter} onChange={setFilter} sources={summary?.sources.map((s) => s.source) ?? []} tags={summary?.tags.map((t) => t.tag) ?? []} />
      <ReviewAssignmentsPanel versionId={version.id} refresh={summary} queueOf={filter.assignedTo} onQueue={(assignedTo) => setFilter(({ assignedTo: _was, ...rest }) => (assignedTo ? { ...rest, assignedTo } : rest))} />
      <ReviewAgreementLine versionId={version.id} refresh={summary} />
      <div className="review-bar">
        <div className="review-progress" data-testid="review-progress">
          <div className="review-meter" aria-hidden="true">
            {counts &&
              (['accepted', 'edited', 'rejected', 'skipped', 'disagreement'] as const).map((k) => (
                <span key={k} className={`review-meter-part is-${k}`} style={{ width: `${(counts[k] / Math.max(1, summary!.total)) * 100}%` }} />
              ))}
          </div>
          <span>
            <strong data-testid="review-reviewed">{reviewed.toLocaleString('en')}</strong> of {(summary?.total ?? 0).toLocaleString('en')} reviewed
          </span>
          {counts &&
            (['accepted', 'edited', 'rejected', 'skipped', 'disagreement'] as const)
              .filter((k) => counts[k] > 0)
              .map((k) => (
                <span key={k} className={`review-count is-${k}`} data-testid={`review-count-${k}`}>
                  {STATUS_LABELS[k]} {counts[k]}
                </span>
              ))}
        </div>
        {signedIn ? (
          <span className="review-reviewer is-signed-in" data-testid="review-signed-in">
            <span className="review-reviewer-label">{canLabel ? 'Reviewing as' : 'Reading as'}</span> <strong>{signedIn}</strong>
          </span>
        ) : (
        <label className="text-input review-reviewer">
          <span className="review-reviewer-label">Reviewer</span>
          <input
            value={reviewer}
            placeholder="you"
            aria-label="Reviewer name"
            onChange={(e) => {
              setReviewer(e.target.value);
              localStorage.setItem(REVIEWER_KEY, e.target.value);
            }}
            data-testid="review-reviewer"
          />
        </label>
        )}
        {canLabel && (
          <Button size="sm" variant="ghost" icon={UndoIcon} disabled={busy} onClick={() => void undo()} data-testid="review-undo" aria-keyshortcuts="U Control+Z" title="Undo your last review action in this version (U or Ctrl+Z)">
            Undo <kbd>U</kbd>
          </Button>
        )}
        {/* A new version from the review is curation: team mode's labellers judge, a curator makes the version. */}
        {canCurate && (
          <>
            <label className="curate-check">
              <input type="checkbox" checked={includeUnreviewed} onChange={(e) => setIncludeUnreviewed(e.target.checked)} data-testid="review-include-unreviewed" />
              <span>Keep unreviewed</span>
            </label>
            <Button variant="primary" size="sm" icon={GitCommitIcon} disabled={busy || reviewed === 0} onClick={() => void makeVersion()} data-testid="review-make-version">
              Make version
            </Button>
          </>
        )}
      </div>
      {error && <ErrorAlert title="The engine said no" error={error} />}
      {items.length === 0 ? (
        <div className="table-empty" data-testid="review-empty">
          {Object.keys(filter).length
            ? 'No example matches these filters.'
            : summary && summary.total > 0 && signedIn && !canCurate
              ? `None of this version’s ${summary.total.toLocaleString('en')} examples is in your queue, ${signedIn}: a curator split it among other labellers. Ask them to include you.`
              : 'This version holds no examples.'}
        </div>
      ) : (
        <div className="review-body">
          {/* Focusable, so the list scrolls from the keyboard too; J/K (handled on .review) move the current option. */}
          <ol
            className="review-list"
            role="listbox"
            aria-label={`${total} examples`}
            tabIndex={0}
            aria-activedescendant={items[cursor] ? `review-item-${items[cursor].position}` : undefined}
            data-testid="review-list"
          >
            {items.map((it, i) => (
              <li
                key={it.position}
                id={`review-item-${it.position}`}
                role="option"
                aria-selected={i === cursor}
                className={`review-item${i === cursor ? ' is-current' : ''}`}
                data-review-item={i}
                data-testid="review-item"
                onClick={() => setCursor(i)}
              >
                <span className={`review-dot is-${it.status}`} title={STATUS_LABELS[it.status]} />
                <span className="review-item-pos">{it.position + 1}</span>
                <span className="review-item-text">{summarizeExample(it.edited ?? it.content).prompt}</span>
              </li>
            ))}
            {total > items.length && (
              <li className="review-item-more" data-testid="review-window">
                Showing #{(items[0]!.position + 1).toLocaleString('en')}–#{(items[items.length - 1]!.position + 1).toLocaleString('en')} of {total.toLocaleString('en')} matches · J/K past the end loads more
              </li>
            )}
          </ol>
          {current && (
            <ReviewCard
              key={current.position}
              versionId={version.id}
              example={current}
              state={details?.position === position ? details.state : null}
              history={details?.position === position ? details.history : []}
              mode={mode}
              knownTags={summary?.tags.map((t) => t.tag) ?? []}
              busy={busy}
              onAct={(action) => void act(action)}
              onSettle={(verdict, reason) => void settle(verdict, reason)}
              onMode={(m) => setMode(m)}
              onSaveEdit={(content) => void act('edit', { content })}
              onSaveNote={(text) => {
                if (mode === 'comment') void act('comment', { reason: text });
                else void act(current.tags.includes(text) ? 'untag' : 'tag', { tag: text });
              }}
              onCancel={() => {
                setMode('view');
                root.current?.focus({ preventScroll: true });
              }}
            />
          )}
        </div>
      )}
      <p className="key-hints review-keys" aria-label="Keyboard shortcuts">
        Every button shows its key. <kbd>J</kbd>/<kbd>K</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> next/previous · <kbd>Ctrl+Z</kbd> undo
      </p>
    </div>
  );
}
