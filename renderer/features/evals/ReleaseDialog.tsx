import { useEffect, useState } from 'react';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import { RELEASE_MEANINGS, type GateCheck, type Release } from '../../../src/shared/contract/features/evals.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { CheckCircleIcon, ShieldCheckIcon } from '../../components/icons.js';
import { Modal } from '../../components/Modal.js';
import { useEngine } from '../../stores/engine.js';
import { asErrorData } from '../../stores/errors.js';
import { useSignedInName } from '../../stores/session.js';
import { releaseCandidate, type GateTarget } from './evals-gate-store.js';

interface Props {
  /** The registry model (+ adapters) released, as a person reads it. */
  modelLabel: string;
  baselineLabel: string;
  check: GateCheck;
  /** The gate.release arguments without the signature (candidate or artefact, and the baseline). */
  request: GateTarget;
  onClose(): void;
  onReleased(release: Release): void;
}

/**
 * The confirmation a release needs: what ships (model, export file and its hash, the gate's result), who approves it
 * and what the approval means. Single-user mode: the name starts as the engine's actor and can be changed; in team
 * mode it is the signed-in user's, who signs by entering the password again.
 */
export function ReleaseDialog({ modelLabel, baselineLabel, check, request, onClose, onReleased }: Props) {
  const actor = useEngine((s) => s.info?.actor ?? null);
  const loadInfo = useEngine((s) => s.loadInfo);
  const signedIn = useSignedInName();
  const [typed, setReviewer] = useState(actor ?? '');
  /** Team mode: the signed-in user approves (the engine records the session's user whatever is sent). */
  const reviewer = signedIn ?? typed;
  const [meaning, setMeaning] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  useEffect(() => {
    if (actor === null) void loadInfo();
  }, [actor, loadInfo]);
  useEffect(() => {
    if (actor && !typed) setReviewer(actor);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [actor]);

  const [password, setPassword] = useState('');
  const ready = reviewer.trim().length >= 2 && meaning.length > 0 && (signedIn === null || password.length > 0);
  async function release() {
    setBusy(true);
    setError(null);
    try {
      onReleased(await releaseCandidate({ ...request, reviewer: reviewer.trim(), meaning, ...(signedIn ? { password } : {}) }));
    } catch (err) {
      setError(asErrorData(err));
      setPassword('');
      setBusy(false);
    }
  }

  const passed = check.results.filter((r) => r.passed).length;
  return (
    <Modal
      open
      title="Release this model?"
      subtitle="A release is recorded once, in the audit log and beside the exported files. It cannot be undone."
      onClose={onClose}
      testId="release-dialog"
      footer={
        <>
          <span className="modal-footer-hint">{signedIn ? 'Signed' : 'Recorded'} as {reviewer.trim() || '…'} · {meaning || 'meaning not chosen'}</span>
          <span className="modal-footer-actions">
            <Button onClick={onClose} data-testid="release-cancel">Cancel</Button>
            <Button variant="primary" icon={ShieldCheckIcon} busy={busy} disabled={!ready} onClick={() => void release()} data-testid="release-confirm">
              Release
            </Button>
          </span>
        </>
      }
    >
      <div className="release-dialog">
        <dl className="release-facts" data-testid="release-facts">
          <dt>Model</dt>
          <dd><strong>{modelLabel}</strong></dd>
          <dt>Ships</dt>
          <dd>
            {check.artefact ? (
              <>
                <code>{check.artefact.file}</code> from export <strong>{check.artefact.exportName}</strong>
                <span className="release-hash">sha256 {check.artefact.sha256}</span>
              </>
            ) : (
              <span>A registry model version, not an exported file: its exports stay draft.</span>
            )}
          </dd>
          <dt>Gate</dt>
          <dd>
            <span className="release-gate is-pass"><CheckCircleIcon size={14} /> Passes {passed} of {check.results.length} {check.results.length === 1 ? 'criterion' : 'criteria'}</span>
            <ul className="release-results">
              {check.results.map((r, i) => <li key={i}>✓ {r.detail}</li>)}
            </ul>
          </dd>
          <dt>Against</dt>
          <dd>{baselineLabel} (latest evals on the same data)</dd>
        </dl>

        <label className="field">
          <span className="field-label">Reviewer</span>
          <span className="text-input">
            <input value={reviewer} onChange={(e) => setReviewer(e.target.value)} readOnly={signedIn !== null} placeholder="Full name" aria-label="Reviewer" data-autofocus data-testid="release-reviewer" />
          </span>
          <span className="field-hint">
            {signedIn
              ? 'You, signed in: the approval is signed in your name.'
              : `Single-user mode: the person who approves; it starts as this computer’s user (${actor ?? '…'}). Signed approvals need team mode.`}
          </span>
        </label>

        <fieldset className="release-meanings" data-testid="release-meanings">
          <legend className="field-label">What this approval means</legend>
          {RELEASE_MEANINGS.map((m) => (
            <label key={m} className={`release-meaning${meaning === m ? ' is-selected' : ''}`}>
              <input type="radio" name="release-meaning" value={m} checked={meaning === m} onChange={() => setMeaning(m)} data-testid="release-meaning" />
              <span>{m}</span>
            </label>
          ))}
        </fieldset>
        {signedIn && (
          <label className="field">
            <span className="field-label">Your password, to sign</span>
            <span className="text-input">
              <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-label="Your password, to sign" data-testid="release-password" />
            </span>
            <span className="field-hint">An electronic signature: your name, the time, the meaning above and the sha256 of this decision, bound together and shown wherever the release is.</span>
          </label>
        )}
        {error && <ErrorAlert title="Not released" error={error} />}
      </div>
    </Modal>
  );
}
