import type { HandlerImpls } from '../../../shared/contract/index.js';
import type { EngineContext } from '../../context.js';
import { createSession, judge, listSessions, nextPair, results } from './blind-ab.js';

export function preferenceHandlers(ctx: EngineContext): Pick<HandlerImpls, 'prefs.create' | 'prefs.list' | 'prefs.next' | 'prefs.judge' | 'prefs.results'> {
  return {
    'prefs.create': async (args) => createSession(ctx, args),
    'prefs.list': async () => ({ sessions: listSessions(ctx) }),
    'prefs.next': async ({ sessionId }) => nextPair(ctx, sessionId),
    'prefs.judge': async (args) => judge(ctx, args),
    'prefs.results': async ({ sessionId }) => results(ctx, sessionId),
  };
}
