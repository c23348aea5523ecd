import type { HandlerImpls } from '../../../shared/contract/index.js';
import { LatheError } from '../../../shared/contract/errors.js';
import type { EngineContext } from '../../context.js';
import { hygieneQueries } from '../../db/queries/hygiene.js';
import { resolveTarget } from '../../playground/targets.js';
import { requireDb } from '../../require-db.js';
import { buildCanaryProbes, checkCanaries, seedCanaries } from './canaries.js';
import { checkContamination } from './contamination-check.js';
import { forgetting, readPolicy, scoreSafetyEval } from './safety-check.js';
import { installSuite, listSuites } from './suites.js';

type HygieneImpls = Pick<HandlerImpls, 'evals.contamination' | 'evals.suites' | 'evals.installSuite' | 'evals.forgetting' | 'evals.safety' | 'evals.safetyPolicy' | 'evals.setSafetyPolicy' | 'evals.buildCanaries' | 'evals.seedCanaries' | 'evals.checkCanaries'>;

export function hygieneHandlers(ctx: EngineContext): HygieneImpls {
  const db = () => requireDb(ctx).db;
  return {
    'evals.contamination': async (args) => checkContamination(db(), args),
    'evals.suites': async () => ({ suites: listSuites(ctx) }),
    'evals.installSuite': async ({ suiteId }) => installSuite(ctx, suiteId),
    'evals.forgetting': async ({ candidate, baseline, metric }) => {
      const c = resolveTarget(db(), candidate);
      const cand = { modelId: c.model.id, adapterIds: c.adapters.map((a) => a.id) };
      const base = baseline ? resolveTarget(db(), baseline) : null;
      return forgetting(db(), cand, base ? { modelId: base.model.id, adapterIds: base.adapters.map((a) => a.id) } : { modelId: c.model.id, adapterIds: [] }, metric);
    },
    'evals.safety': async ({ evalId, project }) => scoreSafetyEval(db(), evalId, readPolicy(db(), project)),
    'evals.safetyPolicy': async ({ project }) => readPolicy(db(), project),
    'evals.setSafetyPolicy': async ({ project, policy }) => {
      for (const p of policy.refusalPatterns) {
        try {
          new RegExp(p, 'i');
        } catch (err) {
          throw new LatheError('INVALID_ARGUMENTS', `Refusal pattern "${p}" is not a valid regular expression: ${(err as Error).message}.`, 'Fix the pattern (JavaScript regular expression syntax) and save again.');
        }
      }
      const { db, audit } = requireDb(ctx);
      db.transaction(() => {
        hygieneQueries(db).putSafety({ project, config: JSON.stringify(policy), updated_at: new Date().toISOString(), updated_by: ctx.actor });
        ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'safety.policy.set', objectType: 'project', objectId: project, details: { policy } }));
      }).immediate();
      return policy;
    },
    'evals.buildCanaries': async ({ trainingVersionId, max }) => buildCanaryProbes(ctx, trainingVersionId, max),
    'evals.seedCanaries': async ({ versionId, count, seed }) => seedCanaries(ctx, versionId, count, seed),
    'evals.checkCanaries': async ({ evalId }) => checkCanaries(ctx, evalId),
  };
}
