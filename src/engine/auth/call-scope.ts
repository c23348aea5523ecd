import { AsyncLocalStorage } from 'node:async_hooks';
import type { Permission, Role } from '../../shared/contract/roles.js';

/** A signed-in team-mode user as the engine sees them during one call. */
export interface Principal {
  userId: number;
  name: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
}

/**
 * Who a request comes from, known to the engine (never read from the request's arguments). A channel served in team
 * mode carries a resolver (the browser server's session lookup); every frame it delivers runs inside a scope holding
 * it, so the engine can ask who is calling from anywhere below without threading a parameter through every
 * service. `principal` is filled when the call is authorised, so it is the same user for the whole call.
 */
export interface CallScope {
  /** Throws UNAUTHORIZED when the session behind the channel has ended (signed out, idle, account disabled). */
  resolve(): Principal;
  principal: Principal | null;
}

const scopes = new AsyncLocalStorage<CallScope>();

export function runInScope<T>(resolve: () => Principal, fn: () => T): T {
  return scopes.run({ resolve, principal: null }, fn);
}

/** The scope of the running call, or undefined for an in-process call (CLI, desktop, the server's own calls). */
export function currentScope(): CallScope | undefined {
  return scopes.getStore();
}

/** The signed-in user of the running call, or null in single-user modes. */
export function currentPrincipal(): Principal | null {
  return scopes.getStore()?.principal ?? null;
}
