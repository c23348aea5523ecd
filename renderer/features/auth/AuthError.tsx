import { ErrorAlert } from '../../components/Alert.js';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';

/** A refusal from /auth/*, in the server's words: its message, then its hint. A locked account (423) is its own case. */
export function AuthError({ error, status, title }: { error: LatheErrorData; status: number | null; title: string }) {
  const locked = status === 423;
  return (
    <div className="auth-alert" data-testid={locked ? 'auth-locked' : 'auth-error'}>
      <ErrorAlert title={locked ? 'This account is locked' : title} error={error} />
    </div>
  );
}
