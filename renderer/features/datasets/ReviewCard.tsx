import { useLayoutEffect, useEffect, useRef, useState } from 'react';
import type { ExampleContent } from '../../../src/shared/contract/features/datasets.js';
import type { ReviewedExample, ReviewEntry, ReviewState } from '../../../src/shared/contract/features/review.js';
import { exampleTurnLabels, exampleTurns, withTurnContent } from '../../../src/shared/datasets/example-text.js';
import { diffExamples } from '../../../src/shared/datasets/text-diff.js';
import { Button } from '../../components/Button.js';
import { CheckIcon, PencilIcon, XIcon } from '../../components/icons.js';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format.js';
import { ExampleView } from './ExampleView.js';
import { SourceChunkPanel } from './SourceChunkPanel.js';
import { STATUS_LABELS } from './ReviewFilters.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

export type CardMode = 'view' | 'edit' | 'comment' | 'tag';

interface Props {
  /** The version under review: with the position, finds a generated example's source chunk. */
  versionId: string;
  example: ReviewedExample;
  state: ReviewState | null;
  history: ReviewEntry[];
  mode: CardMode;
  knownTags: string[];
  /** True while an action is being recorded: the buttons wait. */
  busy: boolean;
  onAct(action: 'accept' | 'reject' | 'skip'): void;
  /** A curator settles a disagreement. */
  onSettle?(verdict: 'accept' | 'reject', reason: string): void;
  onMode(mode: Exclude<CardMode, 'view'>): void;
  onSaveEdit(content: ExampleContent): void;
  onSaveNote(text: string): void;
  onCancel(): void;
}

const ACTION_LABELS: Record<ReviewEntry['action'], string> = {
  accept: 'accepted',
  reject: 'rejected',
  edit: 'edited',
  skip: 'skipped',
  comment: 'commented',
  tag: 'tagged',
  untag: 'removed tag',
  undo: 'undid',
};

/** The example under review: its content (or the editor), every reviewer's verdict, and its history. */
export function ReviewCard({ versionId, example, state, history, mode, knownTags, busy, onAct, onSettle, onMode, onSaveEdit, onSaveNote, onCancel }: Props) {
  const canCurate = useCan('curate');
  const canLabel = useCan('label');
  const shown = example.edited ?? example.content;
  const verdicts = state?.verdicts ?? [];
  return (
    <article className="review-card" data-testid="review-card" data-position={example.position} aria-label={`Example ${example.position + 1}`}>
      <header className="review-card-head">
        <span className="review-card-pos">#{(example.position + 1).toLocaleString('en')}</span>
        <span className={`review-status is-${example.status}`} data-testid="review-status">
          {STATUS_LABELS[example.status]}
        </span>
        {example.split && <span className={`split-badge is-${example.split}`}>{example.split}</span>}
        {example.cluster !== null && <span className="review-chip">cluster {example.cluster}</span>}
        {example.tags.map((t) => (
          <span key={t} className="review-chip is-tag" data-testid="review-tag">
            {t}
          </span>
        ))}
        <span className="review-card-source" title={example.source}>
          {example.source}
        </span>
        <code className="review-card-hash" title={example.contentHash}>
          {shortHash(example.contentHash, 8)}
        </code>
      </header>

      {mode === 'view' && !canLabel && <div className="review-actions"><RoleNote needs="label" testId="review-role-note" /></div>}
      {mode === 'view' && canLabel && (
        <div className="review-actions" role="toolbar" aria-label="Review this example" data-testid="review-actions">
          <Button size="sm" variant="primary" icon={CheckIcon} disabled={busy} onClick={() => onAct('accept')} data-testid="review-accept" aria-keyshortcuts="A">
            Accept <kbd>A</kbd>
          </Button>
          <Button size="sm" variant="danger" icon={XIcon} disabled={busy} onClick={() => onAct('reject')} data-testid="review-reject" aria-keyshortcuts="R">
            Reject <kbd>R</kbd>
          </Button>
          <Button size="sm" icon={PencilIcon} disabled={busy} onClick={() => onMode('edit')} data-testid="review-edit" aria-keyshortcuts="E">
            Edit <kbd>E</kbd>
          </Button>
          <span className="review-actions-more">
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => onAct('skip')} data-testid="review-skip" aria-keyshortcuts="S">
            Skip <kbd>S</kbd>
          </Button>
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => onMode('comment')} data-testid="review-comment" aria-keyshortcuts="C">
            Comment <kbd>C</kbd>
          </Button>
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => onMode('tag')} data-testid="review-tag-button" aria-keyshortcuts="T">
            Tag <kbd>T</kbd>
          </Button>
          </span>
        </div>
      )}

      {mode === 'edit' ? (
        <Editor content={shown} onSave={onSaveEdit} onCancel={onCancel} busy={busy} />
      ) : (
        <div className="review-card-body">
          {example.edited && <p className="review-note">Showing the edited revision; the original stays in the version it came from.</p>}
          <ExampleView content={shown} />
        </div>
      )}

      <SourceChunkPanel versionId={versionId} position={example.position} contentHash={example.contentHash} content={shown} />

      {(mode === 'comment' || mode === 'tag') && (
        <NoteInput mode={mode} knownTags={knownTags} onSave={onSaveNote} onCancel={onCancel} />
      )}

      {verdicts.length > 0 && (
        <section className="review-verdicts" aria-label="Verdicts" data-testid="review-verdicts">
          {verdicts.map((v) => (
            <span key={v.reviewer} className={`review-verdict is-${v.verdict}`} data-testid="review-verdict" title={formatDateTime(v.at)}>
              <strong>{v.reviewer}</strong> {ACTION_LABELS[v.verdict]}
            </span>
          ))}
          {state?.status === 'disagreement' && <span className="review-disagree">Reviewers disagree — this example is left out of a new version until they agree or a curator settles it.</span>}
          {state?.adjudication && (
            <span className="review-settled" data-testid="review-settled">
              Settled by <strong>{state.adjudication.by}</strong>: {state.adjudication.verdict === 'accept' ? 'accepted' : 'rejected'} — {state.adjudication.reason}
            </span>
          )}
        </section>
      )}
      {state?.status === 'disagreement' && onSettle && canCurate && <Settle onSettle={onSettle} busy={busy} />}

      <section className="review-history" aria-label="History" data-testid="review-history">
        <h3 className="review-history-title">History</h3>
        {history.length === 0 ? (
          <p className="review-note">No review yet.</p>
        ) : (
          <ol>
            {history.map((h) => (
              <li key={h.id} className={h.undone ? 'is-undone' : ''} data-testid="review-history-entry">
                <div className="review-history-line">
                  <span className="review-history-who">{h.reviewer}</span> {ACTION_LABELS[h.action]}
                  {h.tag ? ` “${h.tag}”` : ''}
                  {h.action === 'undo' && h.undoes !== null ? ` #${h.undoes}` : ''}
                  {h.carriedFrom && (
                    <span className="review-history-carried" title="Given in the version this one was made from; it counts here because this text is what was judged.">
                      {' '}in v{h.carriedFrom.versionNumber ?? '?'} #{(h.carriedFrom.position + 1).toLocaleString('en')}
                    </span>
                  )}
                  {h.reason && <span className="review-history-reason"> — {h.reason}</span>}
                  {h.undone && <span className="review-history-undone"> (undone)</span>}
                  <time className="review-history-when" dateTime={h.at} title={formatDateTime(h.at)}>
                    {formatRelative(h.at)}
                  </time>
                </div>
                {h.action === 'edit' && h.before && h.after && <EditDiff before={h.before} after={h.after} />}
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}

/** What an edit changed, turn by turn, word by word: struck-out old words, underlined new ones. */
function EditDiff({ before, after }: { before: ExampleContent; after: ExampleContent }) {
  const turns = diffExamples(before, after);
  if (turns.length === 0) return null;
  return (
    <div className="review-diff" data-testid="review-history-diff">
      {turns.map((t, i) => (
        <div key={i} className="review-diff-turn">
          <span className="review-diff-label">{t.label}</span>
          <p className="review-diff-text">
            {t.parts.map((p, j) =>
              p.kind === 'same' ? (
                <span key={j}>{p.text}</span>
              ) : p.kind === 'removed' ? (
                <del key={j} className="review-diff-removed" data-testid="review-diff-removed">{p.text}</del>
              ) : (
                <ins key={j} className="review-diff-added" data-testid="review-diff-added">{p.text}</ins>
              ),
            )}
          </p>
        </div>
      ))}
    </div>
  );
}

/** A textarea as tall as its text (four lines at least), so nothing in an edit is hidden behind a scrollbar. */
function AutoTextarea(props: React.TextareaHTMLAttributes<HTMLTextAreaElement> & { inputRef?: React.Ref<HTMLTextAreaElement> }) {
  const { inputRef, value, ...rest } = props;
  const own = useRef<HTMLTextAreaElement | null>(null);
  useLayoutEffect(() => {
    const el = own.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [value]);
  return (
    <textarea
      {...rest}
      value={value}
      rows={4}
      ref={(el) => {
        own.current = el;
        if (typeof inputRef === 'function') inputRef(el);
        else if (inputRef) (inputRef as React.MutableRefObject<HTMLTextAreaElement | null>).current = el;
      }}
    />
  );
}

/** Edits every turn in place; Ctrl+Enter saves as a new revision, Escape leaves it as it was. */
function Editor({ content, onSave, onCancel, busy }: { content: ExampleContent; onSave(c: ExampleContent): void; onCancel(): void; busy: boolean }) {
  const [draft, setDraft] = useState<ExampleContent>(content);
  const first = useRef<HTMLTextAreaElement>(null);
  useEffect(() => first.current?.focus(), []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSave(draft);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  };
  const labels = exampleTurnLabels(draft);
  const turns = draft.kind === 'text' ? [{ label: 'Text', content: draft.text }] : exampleTurns(draft).map((m, i) => ({ label: labels[i]!, content: m.content }));
  return (
    <div className="review-editor" onKeyDown={onKeyDown} data-testid="review-editor">
      {turns.map((t, i) => (
        <label key={i} className="field">
          <span className="field-label">{t.label}</span>
          <AutoTextarea
            inputRef={i === turns.length - 1 ? first : undefined}
            className="text-input review-textarea"
            value={t.content}
            onChange={(e) => setDraft((d) => withTurnContent(d, i, e.target.value))}
            data-testid="review-edit-turn"
          />
        </label>
      ))}
      <div className="review-editor-actions">
        <Button size="sm" variant="primary" icon={CheckIcon} busy={busy} onClick={() => onSave(draft)} data-testid="review-edit-save">
          Save revision <kbd>Ctrl+Enter</kbd>
        </Button>
        <Button size="sm" onClick={onCancel} data-testid="review-edit-cancel">
          Cancel <kbd>Esc</kbd>
        </Button>
        <span className="field-hint">Saved as a new revision; the original stays in this version.</span>
      </div>
    </div>
  );
}

function NoteInput({ mode, knownTags, onSave, onCancel }: { mode: 'comment' | 'tag'; knownTags: string[]; onSave(t: string): void; onCancel(): void }) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="review-noteinput">
      <label className="text-input">
        <input
          ref={ref}
          value={text}
          list={mode === 'tag' ? 'review-known-tags' : undefined}
          placeholder={mode === 'tag' ? 'Tag (an existing one removes it)' : 'Comment, then Enter'}
          aria-label={mode === 'tag' ? 'Tag' : 'Comment'}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && text.trim()) {
              e.preventDefault();
              onSave(text.trim());
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              onCancel();
            }
          }}
          data-testid={mode === 'tag' ? 'review-tag-input' : 'review-comment-input'}
        />
      </label>
      {mode === 'tag' && (
        <datalist id="review-known-tags">
          {knownTags.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      )}
    </div>
  );
}

/** A curator settles a disagreement: accept or reject, with the reason (recorded and audited). */
function Settle({ onSettle, busy }: { onSettle(verdict: 'accept' | 'reject', reason: string): void; busy: boolean }) {
  const [reason, setReason] = useState('');
  const ok = reason.trim().length >= 3;
  return (
    <section className="review-settle" aria-label="Settle the disagreement" data-testid="review-settle" onKeyDown={(e) => e.stopPropagation()}>
      <span className="text-input">
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why (recorded with your decision)" data-testid="review-settle-reason" />
      </span>
      <Button size="sm" disabled={!ok || busy} onClick={() => onSettle('accept', reason.trim())} data-testid="review-settle-accept">
        Settle: accept
      </Button>
      <Button size="sm" disabled={!ok || busy} onClick={() => onSettle('reject', reason.trim())} data-testid="review-settle-reject">
        Settle: reject
      </Button>
    </section>
  );
}
