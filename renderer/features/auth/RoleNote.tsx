import type { Permission } from '../../../src/shared/contract/roles.js';
import { ROLE_PERMISSIONS, ROLES } from '../../../src/shared/contract/roles.js';
import { useSignedInRole } from '../../stores/session.js';

const DOING: Record<Permission, string> = {
  read: 'Reading',
  label: 'Labelling',
  curate: 'Importing and curating data',
  train: 'Training, evaluating and exporting',
  approve: 'Setting release criteria and releasing',
  admin: 'Managing the server',
};

/**
 * Team mode: says why an action is not offered — what it needs, the user's role, and which roles have it — in place
 * of the controls the role lacks. Renders nothing outside team mode.
 */
export function RoleNote({ needs, testId }: { needs: Permission; testId?: string }) {
  const role = useSignedInRole();
  if (!role) return null;
  const roles = ROLES.filter((r) => ROLE_PERMISSIONS[r].includes(needs));
  const named = roles.length > 1 ? `${roles.slice(0, -1).join(', ')} or ${roles.at(-1)}` : roles[0];
  return (
    <p className="role-note" data-testid={testId ?? 'role-note'}>
      {DOING[needs]} needs the {named} role; you are signed in as a {role}. Ask an admin (<code>lathe users set-role</code>) if you need it.
    </p>
  );
}
