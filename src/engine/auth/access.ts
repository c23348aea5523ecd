import { LatheError } from '../../shared/contract/errors.js';
import { handlerAccess } from '../../shared/contract/permissions.js';
import { ROLE_PERMISSIONS, ROLES } from '../../shared/contract/roles.js';
import type { AllowedRoot } from '../files/allowed-roots.js';
import { currentScope } from './call-scope.js';
import { argAt, resolveClientPath, withArgAt } from './file-access.js';

/**
 * The engine's access check, run by the RPC dispatcher before argument checks and before any handler: a call made in
 * a team-mode scope must come from a live session whose role holds the handler's permission
 * (src/shared/contract/permissions.ts); otherwise UNAUTHORIZED or FORBIDDEN, and the handler never runs. In-process
 * calls (CLI, desktop, the server's own start-up calls) have no scope: they are the local operator, as before.
 */
export function authorizeCall(name: string): void {
  const scope = currentScope();
  if (!scope) return;
  const principal = scope.resolve();
  scope.principal = principal;
  const access = handlerAccess(name);
  if (!access) {
    throw new LatheError('FORBIDDEN', `"${name}" has no access rule, so no one may call it in team mode.`, 'This is a bug in Lathe: every handler needs an entry in src/shared/contract/permissions.ts.');
  }
  if (!principal.permissions.has(access.needs)) {
    const roles = ROLES.filter((r) => ROLE_PERMISSIONS[r].includes(access.needs));
    throw new LatheError(
      'FORBIDDEN',
      `${principal.name} (${principal.role}) may not call ${name}: it needs the "${access.needs}" permission.`,
      `Roles that have it: ${roles.join(', ')}. An admin can change a role with \`lathe users set-role ${principal.name} ROLE\`.`,
    );
  }
}

/**
 * Where the engine restricts file access (browser/team mode: the data folder and --allow-dir), every argument the
 * contract declares as a path is resolved and checked (FORBIDDEN_PATH outside), and the handler gets the real path.
 */
export function checkPathArgs<T>(name: string, args: T, roots: readonly AllowedRoot[] | null | undefined): T {
  if (!roots) return args;
  let out = args;
  for (const field of handlerAccess(name)?.paths ?? []) {
    const value = argAt(out, field);
    if (typeof value !== 'string' || !value.trim()) continue;
    out = withArgAt(out, field, resolveClientPath(value, roots, `${name} ${field}`));
  }
  return out;
}
