import { reviewAgreement } from './review-agreement.js';
import { assignQueue, assignments, confinedTo, requireInQueue } from './review-assignments.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { adjudicate, makeReviewedVersion, recordReview, reviewHistory, undoReview } from './review.js';
import { ClusterCache, filteredExamples, reviewDisagreements, reviewSummary, SourceCountCache } from './review-examples.js';
import { toVersion } from './version-view.js';
import { signerName } from '../auth/auth-handlers.js';

type ReviewImpls = Pick<HandlerImpls, 'reviews.act' | 'reviews.undo' | 'reviews.history' | 'reviews.examples' | 'reviews.summary' | 'reviews.disagreements' | 'reviews.agreement' | 'reviews.adjudicate' | 'reviews.assign' | 'reviews.assignments' | 'reviews.makeVersion'>;

/**
 * The review queue. The reviewer is who the caller says (two people can share one desktop engine; default: the engine's
 * actor), except in team mode, where it is always the signed-in user (auth/auth-handlers.ts `signerName`).
 */
export function reviewHandlers(ctx: EngineContext): ReviewImpls {
  const db = () => requireDb(ctx).db;
  const clusters = new ClusterCache();
  const sources = new SourceCountCache();
  return {
    'reviews.act': async (args) => {
      requireInQueue(ctx, args.versionId, args.position); // team mode: a labeller acts only on their own queue
      const { entryId, state, audit } = recordReview(db(), { ...args, reviewer: signerName(ctx, args.reviewer) });
      ctx.events.emit('audit.appended', audit);
      return { entryId, state };
    },
    'reviews.undo': async ({ versionId, reviewer }) => {
      const { undone, state, audit } = undoReview(db(), versionId, signerName(ctx, reviewer));
      if (audit) ctx.events.emit('audit.appended', audit);
      return { undone, state };
    },
    'reviews.history': async ({ versionId, position }) => reviewHistory(db(), versionId, position),
    'reviews.examples': async ({ versionId, filter, offset, limit, fromPosition, beforePosition }) => {
      if (filter.search) await ctx.searchIndex.ready();
      const mine = confinedTo(ctx, versionId); // team mode: a labeller lists only their own queue
      return filteredExamples(db(), clusters, versionId, mine ? { ...filter, assignedTo: mine } : filter, offset, limit, { fromPosition, beforePosition });
    },
    'reviews.summary': async ({ versionId }) => reviewSummary(db(), versionId, sources),
    'reviews.disagreements': async ({ versionId, limit }) => reviewDisagreements(db(), versionId, limit),
    'reviews.agreement': async ({ versionId }) => reviewAgreement(db(), versionId),
    'reviews.adjudicate': async ({ versionId, position, verdict, reason }) => {
      const { state, audit } = adjudicate(db(), { versionId, position, verdict, reason, by: ctx.actor });
      ctx.events.emit('audit.appended', audit);
      return { state };
    },
    'reviews.assign': async (args) => assignQueue(ctx, args),
    'reviews.assignments': async ({ versionId }) => assignments(ctx, versionId),
    'reviews.makeVersion': async ({ versionId, includeUnreviewed }) => {
      const { version, audit, ...counts } = makeReviewedVersion(db(), versionId, includeUnreviewed, ctx.actor);
      ctx.events.emit('audit.appended', audit);
      return { version: toVersion(version), ...counts };
    },
  };
}
