import { toastError } from '../../stores/toasts.js';
import { useSession } from '../../stores/session.js';
import { SignOutIcon } from '../../components/icons.js';

/** Team mode: who is signed in ("ada · labeller") and the way out, in the sidebar's footer. Nothing otherwise. */
export function SessionUser({ collapsed }: { collapsed: boolean }) {
  const phase = useSession((s) => s.phase);
  const user = useSession((s) => s.user);
  const busy = useSession((s) => s.busy);
  const idleMinutes = useSession((s) => s.idleMinutes);
  const signOut = useSession((s) => s.signOut);
  if (phase !== 'app' || !user) return null;

  const who = `${user.name} · ${user.role}`;
  const idle = idleMinutes ? ` Sessions end after ${idleMinutes} minutes without activity.` : '';
  const out = async () => {
    if (!(await signOut())) toastError('Could not sign out', useSession.getState().error);
  };

  return (
    <div className="session-user" data-testid="session-user" title={collapsed ? `Signed in as ${who}` : `Signed in as ${who}.${idle}`}>
      <span className="session-avatar" aria-hidden="true">
        {user.name.slice(0, 1).toUpperCase()}
      </span>
      <span className="session-user-text" data-testid="session-who">
        <span className="visually-hidden">Signed in as </span>
        <span className="session-user-name" data-testid="session-user-name">
          {user.name}
        </span>
        <span className="session-user-role" data-testid="session-user-role">
          {' · '}
          {user.role}
        </span>
      </span>
      <button
        type="button"
        className="icon-btn session-signout"
        onClick={() => void out()}
        disabled={busy}
        aria-label={`Sign out ${user.name}`}
        title="Sign out"
        data-testid="sign-out"
      >
        {busy ? <span className="spinner" aria-hidden="true" /> : <SignOutIcon size={15} />}
      </button>
    </div>
  );
}
