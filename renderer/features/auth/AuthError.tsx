import { Alert } from '../../components/Alert.js';
import { RichText } from '../../components/RichText.js';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';

/** A refusal from /auth/*, in the server's words: its message, then its hint. A locked account (423) is its own case. */
export function AuthError({ error, status, title }: { error: LatheErrorData; status: number | null; title: string }) {
  const locked = status === 423;
  return (
    <div className="auth-alert" data-testid={locked ? 'auth-locked' : 'auth-error'}>
      <Alert tone="danger" title={locked ? 'This account is locked' : title}>
        <p>
          <RichText text={error.message} />
        </p>
        {error.hint && (
          <p className="alert-hint">
            <RichText text={error.hint} />
          </p>
        )}
      </Alert>
    </div>
  );
}
