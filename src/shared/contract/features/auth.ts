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

/**
 * An electronic signature as shown with the record it signs (team mode): the signer's id and printed name, when (UTC),
 * what it means, the sha256 of the exact record signed, and whether it still verifies (the record unchanged, the
 * binding of all these fields intact).
 */
export const signatureSchema = z.object({
  userId: z.number().int(),
  name: z.string(),
  meaning: z.string(),
  signedAt: z.string(),
  recordSha256: z.string(),
  valid: z.boolean(),
});
export type Signature = z.infer<typeof signatureSchema>;

/** The signer's password, re-entered at signing; required in team mode, ignored elsewhere. Never stored or logged. */
export const signingPasswordSchema = z.string().min(1).max(1024);

export const authHandlers = {
  'auth.whoami': handler({
    summary: 'Who the caller is to the engine: the signed-in user and role in team mode, and the permissions that gives.',
    args: z.object({}).strict(),
    result: whoamiSchema,
    writes: false,
  }),
};
