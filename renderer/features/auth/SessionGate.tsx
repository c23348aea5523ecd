import type { ReactNode } from 'react';
import { useSession } from '../../stores/session.js';
import { ChangePasswordPage } from './ChangePasswordPage.js';
import { SignInPage } from './SignInPage.js';

/**
 * What the page shows before the app (stores/session.ts): nothing while it asks whether it must sign in (a few
 * milliseconds), the sign-in or password page in team mode, else the app.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const phase = useSession((s) => s.phase);
  if (phase === 'checking') return <div className="auth-page" aria-busy="true" data-testid="session-checking" />;
  if (phase === 'sign-in') return <SignInPage />;
  if (phase === 'change-password') return <ChangePasswordPage />;
  return children;
}
