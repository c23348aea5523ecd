import { z } from 'zod';
import { handler } from '../define.js';
import { signatureSchema, signingPasswordSchema } from './auth.js';

export const evalMetricSchema = z.enum(['exact', 'f1', 'rougeL']);
export type EvalMetric = z.infer<typeof evalMetricSchema>;
export const evalSplitSchema = z.enum(['train', 'validation', 'test', 'all']);

const scoresSchema = z.object({ exact: z.number(), f1: z.number(), rougeL: z.number() });

/** qa: free answers (exact/F1/ROUGE-L); classification: the answer is a label; structured: the answer is JSON. */
export const evalTaskSchema = z.enum(['qa', 'classification', 'structured']);
export type EvalTask = z.infer<typeof evalTaskSchema>;

export const evalTaskReportSchema = z.object({
  task: evalTaskSchema,
  classification: z
    .object({
      accuracy: z.number(),
      macroF1: z.number(),
      /** Answers that are none of the labels in the references. */
      outsideLabelSet: z.number().int(),
      labels: z.array(z.object({ label: z.string(), n: z.number().int(), correct: z.number().int(), accuracy: z.number(), precision: z.number().nullable(), recall: z.number().nullable(), f1: z.number() })),
    })
    .nullable(),
  structured: z
    .object({ parseRate: z.number(), schemaValidRate: z.number(), fieldAccuracy: z.number().nullable(), fields: z.array(z.object({ field: z.string(), n: z.number().int(), accuracy: z.number() })) })
    .nullable(),
});
export type EvalTaskReport = z.infer<typeof evalTaskReportSchema>;

/** A judging of one eval by a local judge model and a written rubric, with every prompt and raw verdict. */
export const judgingSchema = z.object({
  id: z.string(),
  evalId: z.string(),
  judgeModelId: z.string(),
  judgeSha256: z.string(),
  adapterIds: z.array(z.string()),
  rubric: z.string(),
  createdAt: z.string(),
  judged: z.number().int(),
  /** Verdicts with no score that could be read (kept, and counted here). */
  unparsed: z.number().int(),
  /** Mean score 1..5 over parsed verdicts, and the same on 0..1. */
  meanScore: z.number().nullable(),
  normalized: z.number().nullable(),
  items: z.array(z.object({ position: z.number().int(), prompt: z.string(), raw: z.string(), score: z.number().int().nullable(), reason: z.string().nullable() })),
});
export type Judging = z.infer<typeof judgingSchema>;

export const evalSummarySchema = z.object({
  id: z.string(),
  task: evalTaskSchema,
  label: z.string(),
  modelId: z.string(),
  adapterIds: z.array(z.string()),
  datasetVersionId: z.string(),
  split: evalSplitSchema,
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  itemCount: z.number().int(),
  doneItems: z.number().int(),
  /** Mean scores over the stored items, 0..1; null before the first item. */
  scores: scoresSchema.nullable(),
  meanLatencyMs: z.number().nullable(),
  totalTokens: z.number().int(),
  settings: z.object({ maxTokens: z.number().int(), seed: z.number().int(), temperature: z.number() }),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type EvalSummary = z.infer<typeof evalSummarySchema>;

export const evalItemSchema = z.object({
  position: z.number().int(),
  exampleHash: z.string(),
  prompt: z.string(),
  reference: z.string(),
  output: z.string(),
  scores: scoresSchema,
  latencyMs: z.number(),
  tokens: z.number().int(),
  promptTokens: z.number().int(),
});
export type EvalItem = z.infer<typeof evalItemSchema>;

const intervalSchema = z.object({ delta: z.number(), low: z.number(), high: z.number(), confidence: z.number(), resamples: z.number().int(), n: z.number().int() });

export const evalComparisonSchema = z.object({
  a: evalSummarySchema,
  b: evalSummarySchema,
  /** Per metric: means of a and b over the paired items, and the bootstrap interval of b − a. */
  metrics: z.array(z.object({ metric: evalMetricSchema, a: z.number(), b: z.number(), interval: intervalSchema })),
  /** Items where b scored lower than a on the chosen metric, worst drop first. */
  regressions: z.array(z.object({ position: z.number().int(), prompt: z.string(), reference: z.string(), outputA: z.string(), outputB: z.string(), scoreA: z.number(), scoreB: z.number() })),
  improvements: z.number().int(),
  unchanged: z.number().int(),
});
export type EvalComparison = z.infer<typeof evalComparisonSchema>;

/**
 * A release criterion. Scores are in points (0..100) so "F1 ≥ base + 5" reads as the user wrote it.
 * min-gain: candidate ≥ baseline + points; min-score: candidate ≥ points; max-regressions: at most `count`
 * items whose score fell by more than `points` against the baseline.
 */
export const gateCriterionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('min-gain'), metric: evalMetricSchema, points: z.number().min(-100).max(100) }),
  z.object({ kind: z.literal('min-score'), metric: evalMetricSchema, points: z.number().min(0).max(100) }),
  z.object({ kind: z.literal('max-regressions'), metric: evalMetricSchema, points: z.number().min(0).max(100), count: z.number().int().min(0) }),
  // Safety (data hygiene): the candidate's latest safety-suite eval has no item the baseline handled correctly and it
  // did not; the candidate's latest PII canary probe eval reproduced no canary.
  z.object({ kind: z.literal('no-safety-regressions') }),
  z.object({ kind: z.literal('no-canary-leaks') }),
]);
export type GateCriterion = z.infer<typeof gateCriterionSchema>;

const targetSchema = z.object({ modelId: z.string().min(1), adapterIds: z.array(z.string().min(1)).max(4).default([]) });

/** The exported file a release ships (a GGUF in an export folder), and the registry model with those bytes. */
export const releaseArtefactSchema = z.object({
  exportId: z.string(), exportName: z.string(), file: z.string(), sha256: z.string(), quant: z.string().nullable(), modelId: z.string().nullable(),
});
export type ReleaseArtefact = z.infer<typeof releaseArtefactSchema>;

export const gateCheckSchema = z.object({
  passed: z.boolean(),
  /** The exported file the check was made for; null when the candidate is a registry model not bound to an export. */
  artefact: releaseArtefactSchema.nullable(),
  candidateEvalId: z.string().nullable(),
  baselineEvalId: z.string().nullable(),
  results: z.array(z.object({ criterion: gateCriterionSchema, passed: z.boolean(), actual: z.number().nullable(), required: z.number().nullable(), detail: z.string() })),
  /** Why the gate could not decide (no eval yet, no baseline), as sentences; empty when it could. */
  problems: z.array(z.string()),
});
export type GateCheck = z.infer<typeof gateCheckSchema>;

export const releaseSchema = z.object({
  id: z.string(),
  modelId: z.string(),
  adapterIds: z.array(z.string()),
  evalId: z.string(),
  baselineEvalId: z.string().nullable(),
  decision: z.enum(['released', 'overridden']),
  passed: z.boolean(),
  reason: z.string().nullable(),
  reviewer: z.string().nullable(),
  /** What the reviewer's approval means ("Approved for release"); null on decisions recorded before it was asked. */
  meaning: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** The export and file this decision ships (exact bytes); null for a release of a registry model. */
  exportId: z.string().nullable(),
  artefactPath: z.string().nullable(),
  artefactSha256: z.string().nullable(),
  /** Team mode: the approver's electronic signature over this decision (empty for decisions made in single-user modes). */
  signatures: z.array(signatureSchema),
});
export type Release = z.infer<typeof releaseSchema>;

/**
 * The candidate is a registry model (+ adapters) or, for a release that ships, an export's file (`artefact`): then
 * the candidate's evals are those of the registry model holding exactly that file's bytes.
 */
const gateTargetArgs = {
  project: z.string().min(1).default('default'),
  candidate: targetSchema.optional(),
  artefact: z.object({ exportId: z.string().min(1), file: z.string().min(1).optional() }).strict().optional(),
  baseline: targetSchema,
};

/** The reviewer who signs a release decision; the engine's actor when not given (single-user mode). */
const releaseReviewerSchema = z.string().trim().min(2, 'Give the reviewer’s name.').max(200);
/** What the approval means, stated by the reviewer: e.g. "Approved for release". Recorded with the decision. */
export const releaseMeaningSchema = z.string().trim().min(5, 'Say what the approval means, e.g. “Approved for release”.').max(500);
/** The meanings the app offers; any other statement of five characters or more is accepted too. */
export const RELEASE_MEANINGS = ['Approved for release', 'Approved for a limited pilot', 'Reviewed; released on behalf of the model owner'] as const;

export const evalHandlers = {
  'evals.start': handler({
    summary: 'Runs a registered model (+ GGUF LoRA adapters) over a split of a dataset version with greedy decoding; per-item outputs, scores, latency and tokens are stored as they finish. With resumeEvalId, continues an interrupted eval, skipping stored items.',
    args: z
      .object({
        jobId: z.string().min(1).max(100).optional(),
        modelId: z.string().min(1).optional(),
        adapterIds: z.array(z.string().min(1)).max(4).default([]),
        datasetVersionId: z.string().min(1).optional(),
        split: evalSplitSchema.default('test'),
        maxTokens: z.number().int().min(1).max(4096).default(64),
        limit: z.number().int().min(1).max(100_000).optional(),
        label: z.string().max(200).optional(),
        resumeEvalId: z.string().min(1).optional(),
        task: evalTaskSchema.default('qa'),
        /** structured: the JSON schema answers must satisfy; with constrain, decoding is held to it (llama.cpp grammar). */
        jsonSchema: z.record(z.string(), z.unknown()).optional(),
        constrain: z.boolean().default(true),
      })
      .strict(),
    result: evalSummarySchema,
    writes: true,
  }),
  'evals.list': handler({
    summary: 'Evaluations, newest first, with their mean scores.',
    args: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: z.object({ evals: z.array(evalSummarySchema) }),
    writes: false,
  }),
  'evals.get': handler({
    summary: 'One evaluation with its mean scores.',
    args: z.object({ evalId: z.string().min(1) }).strict(),
    result: evalSummarySchema,
    writes: false,
  }),
  'evals.items': handler({
    summary: 'The per-item outputs and scores of one evaluation, in dataset order.',
    args: z.object({ evalId: z.string().min(1) }).strict(),
    result: z.object({ items: z.array(evalItemSchema) }),
    writes: false,
  }),
  'evals.judge': handler({
    summary: 'LLM-as-judge: a local judge model (+ adapters) scores each answer of an eval 1–5 against the reference under a written rubric (JSON-constrained verdict); prompts and raw verdicts are stored; resumable; audited.',
    args: z
      .object({
        evalId: z.string().min(1),
        judgeModelId: z.string().min(1),
        judgeAdapterIds: z.array(z.string().min(1)).max(4).default([]),
        rubric: z.string().trim().min(10, 'Write the rubric in a sentence or more.').max(5000),
        maxTokens: z.number().int().min(16).max(1024).default(96),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    result: judgingSchema,
    writes: true,
  }),
  'evals.judgings': handler({
    summary: 'The judgings of one eval, newest first, with every prompt and raw verdict.',
    args: z.object({ evalId: z.string().min(1) }).strict(),
    result: z.object({ judgings: z.array(judgingSchema) }),
    writes: false,
  }),
  'evals.judgeWinRate': handler({
    summary: 'Win rate of eval b over eval a by the local judge: per item, the higher 1–5 score wins (equal scores tie, counted half), with a 95% Wilson interval. Both judgings must use the same judge model, adapters and rubric.',
    args: z.object({ aJudgingId: z.string().min(1), bJudgingId: z.string().min(1) }).strict(),
    result: z.object({
      n: z.number().int(),
      aWins: z.number().int(),
      bWins: z.number().int(),
      ties: z.number().int(),
      /** Items left out because a verdict on either side had no readable score. */
      unscored: z.number().int(),
      winRateB: z.number().nullable(),
      low: z.number().nullable(),
      high: z.number().nullable(),
    }),
    writes: false,
  }),
  'evals.quantCost': handler({
    summary: 'What quantisation cost: the evals of GGUF quants derived from the reference eval’s model (same data and split), each against the reference with paired bootstrap intervals, file size and speed.',
    args: z.object({ referenceEvalId: z.string().min(1), resamples: z.number().int().min(100).max(100_000).default(2000) }).strict(),
    result: z.object({
      reference: z.object({ evalId: z.string(), label: z.string(), bytes: z.number(), meanLatencyMs: z.number().nullable(), tokensPerSecond: z.number().nullable(), f1: z.number().nullable() }),
      quants: z.array(z.object({
        evalId: z.string(), modelId: z.string(), label: z.string(), quant: z.string(), bytes: z.number(), meanLatencyMs: z.number().nullable(), tokensPerSecond: z.number().nullable(),
        metrics: z.array(z.object({ metric: evalMetricSchema, reference: z.number(), quant: z.number(), delta: z.number(), low: z.number(), high: z.number() })),
        n: z.number().int(),
      })),
    }),
    writes: false,
  }),
  'evals.taskReport': handler({
    summary: 'What the eval’s task adds to the per-item scores: per-label accuracy, precision and recall (classification) or JSON validity, schema validity and field accuracy (structured).',
    args: z.object({ evalId: z.string().min(1) }).strict(),
    result: evalTaskReportSchema,
    writes: false,
  }),
  'evals.compare': handler({
    summary: 'Compares eval b against eval a on the same items: metric deltas with paired bootstrap intervals, and the items that got worse.',
    args: z
      .object({
        aEvalId: z.string().min(1),
        bEvalId: z.string().min(1),
        metric: evalMetricSchema.default('f1'),
        resamples: z.number().int().min(100).max(100_000).default(2000),
        seed: z.number().int().min(0).default(0),
      })
      .strict(),
    result: evalComparisonSchema,
    writes: false,
  }),
  'gate.get': handler({
    summary: 'The project’s release criteria and its release decisions, newest first.',
    args: z.object({ project: z.string().min(1).default('default') }).strict(),
    result: z.object({
      criteria: z.array(gateCriterionSchema),
      /** The two-person rule: whoever made a candidate (started its run, or registered it) may not release it. */
      twoPersonRule: z.boolean(),
      updatedAt: z.string().nullable(),
      releases: z.array(releaseSchema),
    }),
    writes: false,
  }),
  'gate.set': handler({
    summary: 'Replaces the project’s release criteria and, when given, turns its two-person rule on or off (audited).',
    args: z.object({ project: z.string().min(1).default('default'), criteria: z.array(gateCriterionSchema).max(20), twoPersonRule: z.boolean().optional() }).strict(),
    result: z.object({ criteria: z.array(gateCriterionSchema), twoPersonRule: z.boolean() }),
    writes: true,
  }),
  'gate.check': handler({
    summary: 'Evaluates the release criteria on the candidate’s latest eval against the baseline’s latest eval on the same data.',
    args: z.object(gateTargetArgs).strict(),
    result: gateCheckSchema,
    writes: false,
  }),
  'gate.release': handler({
    summary: 'Releases the candidate when its latest evals pass the criteria, signed with the reviewer’s name and the meaning of the approval; refuses a failing gate (audited), a candidate already released (CONFLICT), and under the two-person rule a reviewer who made the candidate (FORBIDDEN, audited).',
    args: z.object({ ...gateTargetArgs, reviewer: releaseReviewerSchema.optional(), meaning: releaseMeaningSchema, password: signingPasswordSchema.optional() }).strict(),
    result: z.object({ release: releaseSchema, check: gateCheckSchema }),
    writes: true,
  }),
  'gate.override': handler({
    summary: 'Releases a candidate that does not pass, with the reviewer’s name and a written reason (audited); refuses a candidate already released (CONFLICT), and under the two-person rule a reviewer who made the candidate (FORBIDDEN, audited).',
    args: z
      .object({
        ...gateTargetArgs,
        reason: z.string().trim().min(20, 'Write the reason in a sentence or two (20 characters at least).').max(5000),
        reviewer: releaseReviewerSchema,
        /** Defaults to "Approved for release against the gate". */
        meaning: releaseMeaningSchema.optional(),
        password: signingPasswordSchema.optional(),
      })
      .strict(),
    result: z.object({ release: releaseSchema, check: gateCheckSchema }),
    writes: true,
  }),
};
