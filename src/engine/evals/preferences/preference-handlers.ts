import type { HandlerImpls } from '../../../shared/contract/index.js';
import type { EngineContext } from '../../context.js';
import { requireDb } from '../../require-db.js';
import { toVersion } from '../../datasets/version-view.js';
import { createSession, judge, listSessions, nextPair, results } from './blind-ab.js';
import { collectFeedbackPairs, makePreferenceVersion } from './feedback-pairs.js';

export function preferenceHandlers(ctx: EngineContext): Pick<HandlerImpls, 'prefs.create' | 'prefs.list' | 'prefs.next' | 'prefs.judge' | 'prefs.results' | 'prefs.feedback' | 'prefs.makeDataset'> {
  return {
    'prefs.create': async (args) => createSession(ctx, args),
    'prefs.list': async () => ({ sessions: listSessions(ctx) }),
    'prefs.next': async ({ sessionId }) => nextPair(ctx, sessionId),
    'prefs.judge': async (args) => judge(ctx, args),
    'prefs.results': async ({ sessionId }) => results(ctx, sessionId),
    'prefs.feedback': async (args) => collectFeedbackPairs(requireDb(ctx).db, args).counts,
    'prefs.makeDataset': async (args) => {
      const r = makePreferenceVersion(requireDb(ctx).db, args, ctx.actor);
      ctx.events.emit('audit.appended', r.audit);
      return { datasetId: r.version.dataset_id, version: toVersion(r.version), added: r.added, counts: r.counts };
    },
  };
}
