import { z } from 'zod';
import { handler } from '../define.js';
import { PERMISSIONS, ROLES } from '../roles.js';

export const sessionUserSchema = z.object({ id: z.number().int(), name: z.string(), role: z.enum(ROLES) });
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const whoamiSchema = z.object({
  /** True when the engine serves a team (`lathe serve --team`): every call is made as a signed-in user. */
  team: z.boolean(),
  /** The signed-in user in team mode; null in single-user modes (desktop, CLI, the loopback token). */
  user: sessionUserSchema.nullable(),
  /** Whom the audit log records for this caller's changes. */
  actor: z.string(),
  /** What this caller may do; every permission in single-user modes. */
  permissions: z.array(z.enum(PERMISSIONS)),
});
export type Whoami = z.infer<typeof whoamiSchema>;

export const authHandlers = {
  'auth.whoami': handler({
    summary: 'Who the caller is to the engine: the signed-in user and role in team mode, and the permissions that gives.',
    args: z.object({}).strict(),
    result: whoamiSchema,
    writes: false,
  }),
};
