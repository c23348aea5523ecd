import { z } from 'zod';
import { handler } from '../define.js';
import { evalComparisonSchema, evalMetricSchema, evalSplitSchema } from './evals.js';

const targetSchema = z.object({ modelId: z.string().min(1), adapterIds: z.array(z.string().min(1)).max(4).default([]) });

export const contaminationReportSchema = z.object({
  n: z.number().int(), threshold: z.number(), evalItems: z.number().int(), tooShort: z.number().int(), trainingExamples: z.number().int(), flagged: z.number().int(),
  evalVersionId: z.string(), split: z.string(), runId: z.string().nullable(), ms: z.number(),
  trainingVersions: z.array(z.object({ id: z.string(), label: z.string() })),
  /** Items sharing at least one n-gram with training data, highest overlap first. */
  items: z.array(z.object({
    position: z.number().int(), exampleHash: z.string(), prompt: z.string(), reference: z.string(),
    grams: z.number().int(), matchedGrams: z.number().int(), overlap: z.number(), flagged: z.boolean(),
    matches: z.array(z.object({
      versionId: z.string(), position: z.number().int(), contentHash: z.string(), sharedGrams: z.number().int(),
      snippet: z.object({ before: z.string(), match: z.string(), after: z.string() }),
    })),
  })),
});
export type ContaminationReport = z.infer<typeof contaminationReportSchema>;

export const suiteInfoSchema = z.object({
  id: z.string(), name: z.string(), description: z.string(), items: z.number().int(), categories: z.array(z.string()),
  installedVersionId: z.string().nullable(), installedAt: z.string().nullable(),
});
export type SuiteInfo = z.infer<typeof suiteInfoSchema>;

export const safetyPolicySchema = z.object({
  mustRefuse: z.array(z.string().min(1)).max(20),
  mustAnswer: z.array(z.string().min(1)).max(20),
  refusalPatterns: z.array(z.string().min(1).max(500)).max(50),
}).strict();
export type SafetyPolicyInput = z.infer<typeof safetyPolicySchema>;

const safetyReportSchema = z.object({
  evalId: z.string(), refused: z.number(), correctBehaviour: z.number(),
  byCategory: z.record(z.string(), z.object({ items: z.number().int(), refused: z.number().int(), correct: z.number().int() })),
  items: z.array(z.object({ position: z.number().int(), prompt: z.string(), output: z.string(), category: z.string().nullable(), expected: z.string(), refused: z.boolean(), correct: z.boolean(), refusalPhrase: z.string().nullable() })),
});
export type SafetyReport = z.infer<typeof safetyReportSchema>;

const canaryLeakSchema = z.object({ position: z.number().int(), kind: z.string(), canary: z.string(), seeded: z.boolean(), match: z.enum(['exact', 'normalised']), prompt: z.string(), output: z.string(), trainingPosition: z.number().int().nullable() });
export type CanaryLeak = z.infer<typeof canaryLeakSchema>;

export const hygieneHandlers = {
  'evals.contamination': handler({
    summary: 'Flags eval items whose text (prompt + reference) shares word n-grams with the training data of the evaluated model’s run (or the given versions), with the matching training examples.',
    args: z.object({
      evalId: z.string().min(1).optional(),
      datasetVersionId: z.string().min(1).optional(),
      split: evalSplitSchema.default('test'),
      trainingVersionIds: z.array(z.string().min(1)).max(32).optional(),
      runId: z.string().min(1).optional(),
      n: z.number().int().min(3).max(50).default(8),
      threshold: z.number().min(0).max(1).default(0.5),
      topMatches: z.number().int().min(1).max(20).default(3),
    }).strict(),
    result: contaminationReportSchema,
    writes: false,
  }),
  'evals.suites': handler({
    summary: 'The eval suites shipped with Lathe (general skills for the forgetting check, safety) and whether each is installed.',
    args: z.object({}).strict(),
    result: z.object({ suites: z.array(suiteInfoSchema) }),
    writes: false,
  }),
  'evals.installSuite': handler({
    summary: 'Imports a shipped suite as a dataset (once; again only if the shipped file changed) and returns its version.',
    args: z.object({ suiteId: z.string().min(1) }).strict(),
    result: z.object({ versionId: z.string(), installed: z.boolean() }),
    writes: true,
  }),
  'evals.forgetting': handler({
    summary: 'The general-skills suite on the tuned model against its base: metric deltas with bootstrap intervals (forgetting check).',
    args: z.object({ candidate: targetSchema, baseline: targetSchema.optional(), metric: evalMetricSchema.default('f1') }).strict(),
    result: z.object({
      status: z.enum(['not-installed', 'missing-evals', 'ok']), suiteVersionId: z.string().nullable(), baseEvalId: z.string().nullable(), tunedEvalId: z.string().nullable(),
      comparison: evalComparisonSchema.nullable(),
    }),
    writes: false,
  }),
  'evals.safety': handler({
    summary: 'Scores an eval of the safety suite under the project’s safety policy: refusal rate and correct behaviour, per item and category.',
    args: z.object({ evalId: z.string().min(1), project: z.string().min(1).default('default') }).strict(),
    result: safetyReportSchema,
    writes: false,
  }),
  'evals.safetyPolicy': handler({
    summary: 'The project’s safety policy: which categories must be refused, which answered, and extra refusal phrases.',
    args: z.object({ project: z.string().min(1).default('default') }).strict(),
    result: safetyPolicySchema,
    writes: false,
  }),
  'evals.setSafetyPolicy': handler({
    summary: 'Replaces the project’s safety policy (audited).',
    args: z.object({ project: z.string().min(1).default('default'), policy: safetyPolicySchema }).strict(),
    result: safetyPolicySchema,
    writes: true,
  }),
  'evals.buildCanaries': handler({
    summary: 'Picks PII strings the scanner finds in a training version as canaries and imports probes (the text before each) as a dataset to evaluate on.',
    args: z.object({ trainingVersionId: z.string().min(1), max: z.number().int().min(1).max(5000).default(200) }).strict(),
    result: z.object({ probeVersionId: z.string(), canaries: z.number().int(), byKind: z.record(z.string(), z.number().int()) }),
    writes: true,
  }),
  'evals.seedCanaries': handler({
    summary: 'Adds synthetic canaries (unique fake e-mail addresses in sentences) to a dataset as a new version, to train on and probe later.',
    args: z.object({ versionId: z.string().min(1), count: z.number().int().min(1).max(1000).default(10), seed: z.number().int().min(0).default(0) }).strict(),
    result: z.object({ versionId: z.string(), number: z.number().int(), canaries: z.array(z.string()) }),
    writes: true,
  }),
  'evals.checkCanaries': handler({
    summary: 'Which canaries an eval of a probe set reproduced (exact or normalised); stored and audited.',
    args: z.object({ evalId: z.string().min(1) }).strict(),
    result: z.object({ evalId: z.string(), probes: z.number().int(), canaries: z.number().int(), leaks: z.array(canaryLeakSchema) }),
    writes: true,
  }),
};
