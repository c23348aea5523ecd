import type { HandlerImpls } from '../shared/contract/index.js';
import type { EngineContext } from './context.js';

type JobImpls = Pick<HandlerImpls, 'jobs.list' | 'jobs.cancel'>;

/** The jobs drawer's two requests, answered from the one registry every long job reports to. */
export function jobsHandlers(ctx: EngineContext): JobImpls {
  return {
    'jobs.list': async () => ctx.jobs.list(),
    'jobs.cancel': async ({ jobId }) => ({ cancelled: ctx.jobs.cancel(jobId) }),
  };
}
