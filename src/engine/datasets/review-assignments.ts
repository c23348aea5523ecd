import { LatheError } from '../../shared/contract/errors.js';
import type { ReviewAssignments } from '../../shared/contract/features/review.js';
import { currentPrincipal } from '../auth/call-scope.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { assignmentQueries } from '../db/queries/review-assignments.js';
import { requireDb } from '../require-db.js';

/**
 * Shared labelling (issue 15): a version's review queue split among labellers, each example to one labeller in a
 * seeded shuffle (so queues mix the data's order), and an overlap share of them to a second labeller too, for the
 * agreement figures (`review-agreement.ts`). In team mode a caller who may not curate works only on their own queue
 * of a version that has a plan: `reviews.examples` lists only it and `reviews.act` refuses the rest.
 */
export function assignQueue(ctx: EngineContext, args: { versionId: string; labellers: string[]; overlap: number; seed: number }): ReviewAssignments {
  const { db, audit } = requireDb(ctx);
  const version = datasetQueries(db).versionById(args.versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${args.versionId}.`, 'Pick a version on the Datasets page.');
  const labellers = [...new Set(args.labellers.map((l) => l.trim()))];
  if (labellers.length !== args.labellers.length) throw new LatheError('INVALID_ARGUMENTS', 'A labeller is named twice.', 'Name each labeller once.');
  if (args.overlap > 0 && labellers.length < 2) throw new LatheError('INVALID_ARGUMENTS', 'An overlap needs two labellers or more.', 'Add a second labeller, or set the overlap to 0.');
  if (ctx.users) {
    // Team mode: only accounts that exist, are active and may label.
    const known = new Map(ctx.users.list().map((u) => [u.name, u]));
    for (const name of labellers) {
      const user = known.get(name);
      if (!user || user.disabledAt) throw new LatheError('INVALID_ARGUMENTS', `There is no active user "${name}".`, 'Name labellers as `lathe users list` shows them.');
      if (user.role === 'viewer') throw new LatheError('INVALID_ARGUMENTS', `${name} is a viewer and cannot label.`, 'Give them the labeller role first (`lathe users set-role`).');
    }
  }
  const order = shuffled(version.example_count, args.seed);
  const doubled = Math.round(args.overlap * order.length);
  const rows: Array<[number, string]> = [];
  order.forEach((position, i) => {
    rows.push([position, labellers[i % labellers.length]!]);
    if (i < doubled) rows.push([position, labellers[(i + 1) % labellers.length]!]);
  });
  assignmentQueries(db).replace({ version_id: args.versionId, labellers: JSON.stringify(labellers), overlap: args.overlap, seed: args.seed, created_by: ctx.actor, created_at: new Date().toISOString() }, rows);
  const result = assignments(ctx, args.versionId);
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'reviews.assign', objectType: 'dataset_version', objectId: args.versionId, details: { labellers, overlap: args.overlap, seed: args.seed, doubled: result.doubled, progress: result.progress } }));
  return result;
}

export function assignments(ctx: EngineContext, versionId: string): ReviewAssignments {
  const q = assignmentQueries(requireDb(ctx).db);
  const plan = q.plan(versionId);
  return {
    versionId,
    plan: plan ? { labellers: JSON.parse(plan.labellers) as string[], overlap: plan.overlap, seed: plan.seed, createdBy: plan.created_by, createdAt: plan.created_at } : null,
    progress: q.progress(versionId),
    doubled: q.doubled(versionId),
  };
}

/** The labeller whose queue a call is confined to (team mode, a caller who may not curate, a version with a plan), or null. */
export function confinedTo(ctx: EngineContext, versionId: string): string | null {
  const principal = currentPrincipal();
  // Curators see every queue; a viewer, who judges nothing, reads the whole version like its Examples tab.
  if (!principal || principal.permissions.has('curate') || !principal.permissions.has('label')) return null;
  return assignmentQueries(requireDb(ctx).db).plan(versionId) ? principal.name : null;
}

/** Refuses an action on an example outside the caller's queue. */
export function requireInQueue(ctx: EngineContext, versionId: string, position: number): void {
  const who = confinedTo(ctx, versionId);
  if (who && !assignmentQueries(requireDb(ctx).db).isAssigned(versionId, position, who)) {
    throw new LatheError('FORBIDDEN', `Example #${position + 1} is not in your review queue, ${who}.`, 'Work through your own queue; a curator assigns the examples.');
  }
}

/** 0..n-1 in a seeded Fisher–Yates shuffle (mulberry32): the same seed gives the same queues. */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
