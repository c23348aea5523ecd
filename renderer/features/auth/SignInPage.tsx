import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { useSession } from '../../stores/session.js';
import { AuthError } from './AuthError.js';
import { AuthField, AuthLayout } from './AuthLayout.js';

/** Team mode (`lathe serve --team`): who is at the keyboard, before any data is shown. */
export function SignInPage() {
  const busy = useSession((s) => s.busy);
  const error = useSession((s) => s.error);
  const errorStatus = useSession((s) => s.errorStatus);
  const note = useSession((s) => s.note);
  const signIn = useSession((s) => s.signIn);
  const clearError = useSession((s) => s.clearError);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ name: boolean; password: boolean }>({ name: false, password: false });
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Lathe';
  }, []);

  const focus = (field: 'name' | 'password') => form.current?.querySelector<HTMLInputElement>(`[data-testid="signin-${field}"]`)?.focus();

  const submit = async (e: FormEvent) => {
    e.preventDefault(); // the page never navigates (and its CSP says form-action 'none')
    const gaps = { name: !name.trim(), password: !password };
    setMissing(gaps);
    if (gaps.name || gaps.password) {
      focus(gaps.name ? 'name' : 'password');
      return;
    }
    const ok = await signIn(name.trim(), password);
    if (!ok) {
      // Wrong or locked: the password goes, the name stays, and the cursor is where the next try starts.
      setPassword('');
      focus('password');
    }
  };

  return (
    <AuthLayout
      testId="signin-page"
      title="Sign in"
      lead="Use the name and password your Lathe administrator gave you."
      footnote={
        <>
          Accounts are managed on the server with <code>lathe users</code>.
        </>
      }
    >
      {note === 'ended' && !error && (
        <div className="auth-alert" data-testid="signin-note">
          <Alert tone="info" title="Your session ended — sign in again">
            <p>Lathe ends a session after a while without activity, or when this browser signs out in another tab.</p>
          </Alert>
        </div>
      )}
      {note === 'signed-out' && !error && (
        <div className="auth-alert" data-testid="signin-note">
          <Alert tone="success" title="You signed out" />
        </div>
      )}
      {error && <AuthError error={error} status={errorStatus} title="Could not sign in" />}
      <form ref={form} className="auth-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
        <AuthField
          label="User name"
          value={name}
          onValue={(v) => {
            setName(v);
            if (missing.name) setMissing((m) => ({ ...m, name: false }));
            if (error) clearError();
          }}
          autoComplete="username"
          autoFocus
          maxLength={64}
          problem={missing.name ? 'Type your user name.' : null}
          testId="signin-name"
        />
        <AuthField
          label="Password"
          value={password}
          onValue={(v) => {
            setPassword(v);
            if (missing.password) setMissing((m) => ({ ...m, password: false }));
          }}
          autoComplete="current-password"
          secret
          problem={missing.password ? 'Type your password.' : null}
          testId="signin-password"
        />
        <Button type="submit" variant="primary" className="auth-submit" busy={busy} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </AuthLayout>
  );
}
