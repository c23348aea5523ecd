/**
 * Team mode's roles and permissions (issue 15): a leaf module, so the contract's features and the per-handler map
 * (permissions.ts) can both import it.
 */

export const PERMISSIONS = ['read', 'label', 'curate', 'train', 'approve', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['viewer', 'labeller', 'curator', 'trainer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do. viewer reads; labeller works the review queue, playground corrections and blind A/B
 * judgements; curator imports and curates data and makes recipes; trainer adds runs, model imports, evals and exports
 * to the curator's rights (a trainer prepares the data it trains on); approver signs release decisions and sets the
 * release criteria; admin holds everything (users are managed with `lathe users`, the endpoint with serving.*).
 */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  labeller: ['read', 'label'],
  curator: ['read', 'label', 'curate'],
  trainer: ['read', 'label', 'curate', 'train'],
  approver: ['read', 'label', 'approve'],
  admin: PERMISSIONS,
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
