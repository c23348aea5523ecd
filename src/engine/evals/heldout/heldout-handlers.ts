import type { HandlerImpls } from '../../../shared/contract/index.js';
import type { EngineContext } from '../../context.js';
import { heldoutQueries } from '../../db/queries/heldout.js';
import { requireDb } from '../../require-db.js';
import { measurePerplexity, toHeldoutResult } from './heldout-run.js';

type HeldoutImpls = Pick<HandlerImpls, 'evals.perplexity' | 'evals.perplexityResults'>;

export function heldoutHandlers(ctx: EngineContext): HeldoutImpls {
  return {
    'evals.perplexity': async (args) => measurePerplexity(ctx, args),
    'evals.perplexityResults': async ({ datasetVersionId }) => ({
      results: heldoutQueries(requireDb(ctx).db).list(datasetVersionId).map(toHeldoutResult),
    }),
  };
}
