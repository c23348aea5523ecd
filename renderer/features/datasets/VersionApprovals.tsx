import { useState } from 'react';
import type { DatasetVersion, LatheErrorData } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { CheckCircleIcon, ShieldCheckIcon } from '../../components/icons.js';
import { formatDateTime } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { useCan, useSignedInName } from '../../stores/session.js';
import { useVersionApprovals } from './use-version-approvals.js';

/**
 * "Approved for training" under the versions table: who approved the chosen version and when, and whether the
 * signature (team mode) still verifies; an approver approves it here, in team mode by entering the password again.
 */
export function VersionApprovals({ version }: { version: DatasetVersion }) {
  const canApprove = useCan('approve');
  const signedIn = useSignedInName();
  const { approvals, approve } = useVersionApprovals(version.id);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  if (!approvals.length && !canApprove) return null;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await approve(note, signedIn ? password : null);
      setOpen(false);
      setNote('');
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <div className="version-approvals" data-testid="version-approvals">
      {approvals.map((a) => {
        const signature = a.signatures[0];
        const broken = !a.current || a.signatures.some((s) => !s.valid);
        return (
          <p key={a.id} className={`version-approval${broken ? ' is-broken' : ''}`} data-testid="version-approval">
            <CheckCircleIcon size={14} />
            <span>
              v{version.number} approved for training by <strong>{a.approvedBy}</strong>, {formatDateTime(a.approvedAt)}
              {signature && (broken ? ' · the signature no longer verifies: the version differs from what was signed' : ' · signed (password re-entered)')}
              {!signature && !a.current && ' · the version differs from what was approved'}
              {a.note && <> · “{a.note}”</>}
            </span>
          </p>
        );
      })}
      {canApprove && !open && !(signedIn && approvals.some((a) => a.approvedBy === signedIn && a.current)) && (
        <Button size="sm" icon={ShieldCheckIcon} onClick={() => setOpen(true)} data-testid="version-approve">
          Approve v{version.number} for training
        </Button>
      )}
      {open && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label className="field">
            <span className="field-label">Note <span className="field-optional">optional</span></span>
            <span className="text-input">
              <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="What you checked" data-testid="version-approve-note" />
            </span>
          </label>
          {signedIn && (
            <label className="field">
              <span className="field-label">Your password, to sign as {signedIn}</span>
              <span className="text-input">
                <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="version-approve-password" />
              </span>
            </label>
          )}
          <div className="inline-form-actions">
            <Button type="submit" size="sm" variant="primary" busy={busy} disabled={signedIn !== null && !password} data-testid="version-approve-submit">
              Approve for training
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
          {error && <ErrorAlert title="The version was not approved" error={error} />}
        </form>
      )}
    </div>
  );
}
