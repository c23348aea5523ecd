import type { HandlerImpls } from '../../shared/contract/index.js';
import { PERMISSIONS } from '../../shared/contract/roles.js';
import type { EngineContext } from '../context.js';
import { currentPrincipal } from './call-scope.js';

type AuthImpls = Pick<HandlerImpls, 'auth.whoami'>;

export function authHandlers(ctx: EngineContext): AuthImpls {
  return {
    'auth.whoami': async () => {
      const p = currentPrincipal();
      return {
        team: ctx.team ?? false,
        user: p ? { id: p.userId, name: p.name, role: p.role } : null,
        actor: ctx.actor,
        permissions: p ? PERMISSIONS.filter((x) => p.permissions.has(x)) : [...PERMISSIONS],
      };
    },
  };
}

/**
 * The name a review action or release decision is recorded under. In team mode it is always the signed-in user: a
 * name the client sends is ignored, so nobody can act in another's name. In single-user modes the client's name (two
 * people sharing one desktop engine) or the engine's actor.
 */
export function signerName(ctx: EngineContext, given: string | undefined): string {
  const p = currentPrincipal();
  if (p) return p.name;
  return given ?? ctx.actor;
}
