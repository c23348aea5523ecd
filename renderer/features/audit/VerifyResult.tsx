import type { AuditVerifyResult, LatheErrorData } from '../../../src/shared/contract/index.js';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { formatDateTime } from '../../lib/format.js';

interface VerifyState {
  status: 'idle' | 'running' | 'done' | 'error';
  result: AuditVerifyResult | null;
  error: LatheErrorData | null;
}

/** The answer to "has anyone changed the record?": intact with a count, or the first entry that does not match. */
export function VerifyResult({ verify }: { verify: VerifyState }) {
  if (verify.status === 'error' && verify.error) {
    return <ErrorAlert title="Could not verify the chain" error={verify.error} />;
  }
  const result = verify.result;
  if (verify.status !== 'done' || !result) return null;
  if (result.ok) {
    return (
      <Alert tone="success" title="Chain intact" testId="audit-verify-result">
        {result.checked === 0
          ? 'There are no entries to check yet.'
          : result.checked === 1
            ? 'The one entry matches its hash.'
            : `All ${result.checked} entries match their hashes, and each links to the one before.`}
      </Alert>
    );
  }
  const broken = result.firstBroken;
  return (
    <Alert tone="danger" title={broken ? `Chain broken at entry #${broken.seq}` : 'Chain broken'} testId="audit-verify-result">
      {broken ? (
        <>
          <p>
            {broken.reason} — <code>{broken.action}</code>, {formatDateTime(broken.at)}.
          </p>
          <p className="alert-hint">
            {result.checked} entries checked. Entries from #{broken.seq} on cannot be trusted until this is explained; keep a copy of the
            data directory before changing anything.
          </p>
        </>
      ) : (
        `${result.checked} entries checked.`
      )}
    </Alert>
  );
}
