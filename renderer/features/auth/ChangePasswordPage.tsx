import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Button } from '../../components/Button.js';
import { CheckIcon } from '../../components/icons.js';
import { useSession } from '../../stores/session.js';
import { MIN_PASSWORD_LENGTH, passwordLength } from './auth-http.js';
import { AuthError } from './AuthError.js';
import { AuthField, AuthLayout } from './AuthLayout.js';

type Field = 'current' | 'next' | 'repeat';

/**
 * After a one-time password (`lathe users add` / `reset-password`): the engine opens no data until the user has
 * chosen their own. The one-time password just typed is not asked for again; after a reload it is.
 */
export function ChangePasswordPage() {
  const user = useSession((s) => s.user);
  const busy = useSession((s) => s.busy);
  const error = useSession((s) => s.error);
  const errorStatus = useSession((s) => s.errorStatus);
  const remembered = useSession((s) => s.currentPassword);
  const changePassword = useSession((s) => s.changePassword);
  const signOut = useSession((s) => s.signOut);
  const clearError = useSession((s) => s.clearError);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const form = useRef<HTMLFormElement>(null);
  // A wrong current password (or a refusal while it was remembered) brings the field back.
  const askCurrent = remembered === null;

  useEffect(() => {
    document.title = 'Choose a new password · Lathe';
  }, []);

  const focus = (field: Field) => form.current?.querySelector<HTMLInputElement>(`[data-testid="password-${field}"]`)?.focus();
  const long = passwordLength(next) >= MIN_PASSWORD_LENGTH;

  const check = (): Partial<Record<Field, string>> => {
    const out: Partial<Record<Field, string>> = {};
    const currentValue = askCurrent ? current : remembered;
    if (askCurrent && !current) out.current = 'Type the one-time password you signed in with.';
    if (!next) out.next = 'Choose a new password.';
    else if (!long) out.next = `Use at least ${MIN_PASSWORD_LENGTH} characters (this has ${passwordLength(next)}).`;
    else if (next === currentValue) out.next = 'Choose a password other than the one-time one.';
    if (next && !repeat) out.repeat = 'Type the new password again.';
    else if (repeat && repeat !== next) out.repeat = 'The two new passwords differ.';
    return out;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = check();
    setProblems(found);
    const first = (['current', 'next', 'repeat'] as const).find((f) => found[f]);
    if (first) {
      focus(first);
      return;
    }
    const ok = await changePassword(askCurrent ? current : remembered!, next);
    if (!ok) {
      if (!askCurrent && useSession.getState().errorStatus === 401) useSession.setState({ currentPassword: null });
      focus(askCurrent || useSession.getState().errorStatus === 401 ? 'current' : 'next');
    }
  };

  const edit = (field: Field, set: (v: string) => void) => (v: string) => {
    set(v);
    if (problems[field]) setProblems((p) => ({ ...p, [field]: undefined }));
    if (error) clearError();
  };

  return (
    <AuthLayout
      testId="password-page"
      title="Choose a new password"
      lead={
        <>
          Welcome{user ? <>, <strong>{user.name}</strong></> : null}. You signed in with a one-time password: choose your own before
          you go on. Only you will know it.
        </>
      }
    >
      {error && <AuthError error={error} status={errorStatus} title="The password was not changed" />}
      <form ref={form} className="auth-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
        {/* Lets a password manager file the new password under the right name. */}
        <input type="text" name="username" autoComplete="username" value={user?.name ?? ''} readOnly hidden />
        {askCurrent && (
          <AuthField
            label="One-time password"
            value={current}
            onValue={edit('current', setCurrent)}
            autoComplete="current-password"
            autoFocus
            secret
            problem={problems.current ?? null}
            testId="password-current"
          />
        )}
        <AuthField
          label="New password"
          value={next}
          onValue={edit('next', setNext)}
          autoComplete="new-password"
          autoFocus={!askCurrent}
          secret
          problem={problems.next ?? null}
          hint={
            <span className={long ? 'auth-hint-met' : undefined} data-testid="password-length-hint">
              {long && <CheckIcon size={13} />}At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good one.
            </span>
          }
          testId="password-next"
        />
        <AuthField
          label="Repeat new password"
          value={repeat}
          onValue={edit('repeat', setRepeat)}
          autoComplete="new-password"
          secret
          problem={problems.repeat ?? null}
          testId="password-repeat"
        />
        <Button type="submit" variant="primary" className="auth-submit" busy={busy} data-testid="password-submit">
          {busy ? 'Saving…' : 'Set password and continue'}
        </Button>
        <button type="button" className="auth-link" onClick={() => void signOut()} disabled={busy} data-testid="password-signout">
          Sign out instead
        </button>
      </form>
    </AuthLayout>
  );
}
