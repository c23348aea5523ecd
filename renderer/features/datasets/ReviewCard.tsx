import { useEffect, useRef, useState } from 'react';
import type { ExampleContent } from '../../../src/shared/contract/features/datasets.js';
import type { ReviewedExample, ReviewEntry, ReviewState } from '../../../src/shared/contract/features/review.js';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format.js';
import { ExampleView } from './ExampleView.js';
import { SourceChunkPanel } from './SourceChunkPanel.js';
import { STATUS_LABELS } from './ReviewFilters.js';
import { withTurnContent } from '../../../src/shared/datasets/example-text.js';

export type CardMode = 'view' | 'edit' | 'comment' | 'tag';

interface Props {
  /** The version under review: with the position, finds a generated example's source chunk. */
  versionId: string;
  example: ReviewedExample;
  state: ReviewState | null;
  history: ReviewEntry[];
  mode: CardMode;
  knownTags: string[];
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
export function ReviewCard({ versionId, example, state, history, mode, knownTags, onSaveEdit, onSaveNote, onCancel }: Props) {
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

      {mode === 'edit' ? (
        <Editor content={shown} onSave={onSaveEdit} onCancel={onCancel} />
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
              {v.afterHash ? ` → ${shortHash(v.afterHash, 6)}` : ''}
            </span>
          ))}
          {state?.status === 'disagreement' && <span className="review-disagree">Reviewers disagree — this example is left out of a new version until they agree.</span>}
        </section>
      )}

      <section className="review-history" aria-label="History" data-testid="review-history">
        <h3 className="review-history-title">History</h3>
        {history.length === 0 ? (
          <p className="review-note">No review yet.</p>
        ) : (
          <ol>
            {history.map((h) => (
              <li key={h.id} className={h.undone ? 'is-undone' : ''} data-testid="review-history-entry">
                <span className="review-history-who">{h.reviewer}</span> {ACTION_LABELS[h.action]}
                {h.tag ? ` “${h.tag}”` : ''}
                {h.action === 'undo' && h.undoes !== null ? ` #${h.undoes}` : ''}
                {h.action === 'edit' && h.afterHash ? ` ${shortHash(h.beforeHash, 6)} → ${shortHash(h.afterHash, 6)}` : ''}
                {h.reason && <span className="review-history-reason"> — {h.reason}</span>}
                {h.undone && <span className="review-history-undone"> (undone)</span>}
                <time className="review-history-when" dateTime={h.at} title={formatDateTime(h.at)}>
                  {formatRelative(h.at)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}

/** Edits every turn in place; Ctrl+Enter saves as a new revision, Escape leaves it as it was. */
function Editor({ content, onSave, onCancel }: { content: ExampleContent; onSave(c: ExampleContent): void; onCancel(): void }) {
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
  const turns = draft.kind === 'text' ? [{ label: 'Text', content: draft.text }] : turnLabels(draft);
  return (
    <div className="review-editor" onKeyDown={onKeyDown} data-testid="review-editor">
      {turns.map((t, i) => (
        <label key={i} className="field">
          <span className="field-label">{t.label}</span>
          <textarea
            ref={i === turns.length - 1 ? first : undefined}
            className="text-input review-textarea"
            value={t.content}
            rows={Math.min(10, Math.max(2, Math.ceil(t.content.length / 90)))}
            onChange={(e) => setDraft((d) => withTurnContent(d, i, e.target.value))}
            data-testid="review-edit-turn"
          />
        </label>
      ))}
      <p className="field-hint">
        <kbd>Ctrl</kbd>+<kbd>Enter</kbd> saves a new revision · <kbd>Esc</kbd> cancels
      </p>
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

/** Each turn's label in the editor, e.g. "Assistant", "Chosen · assistant", "Tool result". */
function turnLabels(content: Exclude<ExampleContent, { kind: 'text' }>): Array<{ label: string; content: string }> {
  const name = (role: string) => (role === 'tool' ? 'Tool result' : role[0]!.toUpperCase() + role.slice(1));
  if (content.kind !== 'preference') return content.messages.map((m) => ({ label: name(m.role), content: m.content }));
  return [
    ...content.prompt.map((m) => ({ label: name(m.role), content: m.content })),
    ...content.chosen.map((m) => ({ label: `Chosen · ${m.role}`, content: m.content })),
    ...content.rejected.map((m) => ({ label: `Rejected · ${m.role}`, content: m.content })),
  ];
}
