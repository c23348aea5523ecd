import { useState } from 'react';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { UsersIcon } from '../../components/icons.js';
import { asErrorData } from '../../stores/errors.js';
import { useCan } from '../../stores/session.js';
import { useReviewAssignments } from './use-review-assignments.js';

/**
 * Shared labelling: each labeller's progress on their queue, and (for a curator) splitting the version's queue among
 * labellers with an overlap share judged twice — the examples the agreement line measures.
 */
export function ReviewAssignmentsPanel({ versionId, refresh, queueOf, onQueue }: { versionId: string; refresh: unknown; queueOf: string | undefined; onQueue: (labeller: string | undefined) => void }) {
  const canCurate = useCan('curate');
  const { assignments, assign } = useReviewAssignments(versionId, refresh);
  const [open, setOpen] = useState(false);
  const [names, setNames] = useState('');
  const [overlap, setOverlap] = useState('20');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const plan = assignments?.plan ?? null;
  if (!plan && !canCurate) return null;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await assign({ labellers: names.split(',').map((n) => n.trim()).filter(Boolean), overlap: Math.min(100, Math.max(0, Number(overlap) || 0)) / 100 });
      setOpen(false);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="review-assignments" data-testid="review-assignments">
      {plan && assignments ? (
        <p className="review-assignments-progress" data-testid="review-assignments-progress">
          <strong>Queues</strong>{' '}
          {assignments.progress.map((p, i) => (
            <span key={p.labeller}>
              {i > 0 && ' · '}
              {canCurate ? (
                // Whoever sees every queue can look at one: the list below shows only that labeller's examples.
                <button type="button" className={`review-queue-pick${queueOf === p.labeller ? ' is-selected' : ''}`} aria-pressed={queueOf === p.labeller} title={queueOf === p.labeller ? 'Show every example again' : `Show only ${p.labeller}’s queue`} onClick={() => onQueue(queueOf === p.labeller ? undefined : p.labeller)} data-testid="review-queue-pick">
                  {p.labeller} {p.judged}/{p.assigned}
                </button>
              ) : (
                <>{p.labeller} {p.judged}/{p.assigned}</>
              )}
            </span>
          ))}
          {assignments.doubled > 0 && <> · {assignments.doubled} judged by two ({Math.round(plan.overlap * 100)}{'\u00a0'}%)</>}
        </p>
      ) : (
        <p className="review-assignments-progress">One shared queue: everyone reviews every example.</p>
      )}
      {canCurate && !open && (
        <Button size="sm" icon={UsersIcon} onClick={() => { setNames(plan?.labellers.join(', ') ?? ''); setOpen(true); }} data-testid="review-assign-open">
          {plan ? 'Split again' : 'Split among labellers'}
        </Button>
      )}
      {open && (
        <form className="inline-form review-assign-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <label className="field">
            <span className="field-label">Labellers</span>
            <span className="text-input">
              <input value={names} onChange={(e) => setNames(e.target.value)} placeholder="ana, ben, cy" data-testid="review-assign-labellers" />
            </span>
            <span className="field-hint">Names, separated by commas; in team mode, their user names.</span>
          </label>
          <label className="field">
            <span className="field-label">Judged by two</span>
            <span className="text-input">
              <input type="number" min="0" max="100" value={overlap} onChange={(e) => setOverlap(e.target.value)} data-testid="review-assign-overlap" />
            </span>
            <span className="field-hint">Percent of the examples a second labeller also judges, for the agreement figures.</span>
          </label>
          <div className="inline-form-actions">
            <Button type="submit" size="sm" variant="primary" busy={busy} disabled={!names.trim()} data-testid="review-assign-submit">
              Split the queue
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
          {error && <ErrorAlert title="The queue was not split" error={error} />}
        </form>
      )}
    </div>
  );
}
