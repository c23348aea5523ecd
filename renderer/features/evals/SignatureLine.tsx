import type { Signature } from '../../../src/shared/contract/index.js';
import { AlertCircleIcon, ShieldCheckIcon } from '../../components/icons.js';

/** An electronic signature as the release shows it: who (id), when (UTC), what it means, the record's hash, and whether it still verifies. */
export function SignatureLine({ signature: s }: { signature: Signature }) {
  const at = `${s.signedAt.slice(0, 10)} ${s.signedAt.slice(11, 19)} UTC`;
  return (
    <span className={`signature-line${s.valid ? '' : ' is-invalid'}`} data-testid="signature" data-valid={s.valid}>
      {s.valid ? <ShieldCheckIcon size={13} aria-hidden="true" /> : <AlertCircleIcon size={13} aria-hidden="true" />}
      <span>
        Signed by <strong>{s.name}</strong> (user #{s.userId}) · {at} · “{s.meaning}” · record <code title={s.recordSha256}>{s.recordSha256.slice(0, 12)}</code>
        {!s.valid && <strong className="signature-warning"> — does not verify: the decision changed after signing, or the signature belongs to another record</strong>}
      </span>
    </span>
  );
}
