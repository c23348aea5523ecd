import { z } from 'zod';
import { handler } from '../define.js';
import { versionSchema } from './datasets.js';

export const preferenceSessionSchema = z.object({
  id: z.string(),
  label: z.string(),
  total: z.number().int(),
  /** Items this judge has decided. */
  judged: z.number().int(),
  revealed: z.boolean(),
  createdAt: z.string(),
  /** Which evals were compared: only after the reveal, so a judge cannot learn the sides while labelling. */
  aEvalId: z.string().nullable(),
  bEvalId: z.string().nullable(),
});
export type PreferenceSession = z.infer<typeof preferenceSessionSchema>;

/** One blind pair: the prompt and two answers as "1" (left) and "2" (right); nothing says which model wrote which. */
export const blindPairSchema = z.object({
  position: z.number().int(),
  index: z.number().int(),
  prompt: z.string(),
  reference: z.string(),
  left: z.string(),
  right: z.string(),
});
export type BlindPair = z.infer<typeof blindPairSchema>;

export const preferenceResultsSchema = z.object({
  sessionId: z.string(),
  n: z.number().int(),
  aWins: z.number().int(),
  bWins: z.number().int(),
  ties: z.number().int(),
  /** Share of judgements won by B, ties counted half; with its 95% Wilson score interval. */
  winRateB: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  judges: z.array(z.object({ judge: z.string(), n: z.number().int(), bWins: z.number().int(), aWins: z.number().int(), ties: z.number().int() })),
  aLabel: z.string().nullable(),
  bLabel: z.string().nullable(),
});
export type PreferenceResults = z.infer<typeof preferenceResultsSchema>;

const sessionArg = z.object({ sessionId: z.string().min(1) }).strict();

/** Which feedback becomes preference pairs (winner/correction/edit = chosen, the other answer = rejected). */
export const feedbackSourcesSchema = z
  .object({
    abJudgements: z.boolean().default(true),
    corrections: z.boolean().default(true),
    reviewEdits: z.boolean().default(true),
    /** Only these blind A/B sessions; all of them when omitted. */
    sessionIds: z.array(z.string().min(1)).max(1000).optional(),
  })
  .strict();
export const makePreferenceDatasetArgs = feedbackSourcesSchema.extend({ datasetName: z.string().trim().min(1).max(200) }).strict();
export type MakePreferenceDatasetArgs = z.output<typeof makePreferenceDatasetArgs>;

/** Pairs found per source, and feedback that gave none (ties, judges who disagree, answers that did not change). */
export const feedbackCountsSchema = z.object({
  abJudgements: z.number().int(),
  corrections: z.number().int(),
  reviewEdits: z.number().int(),
  ties: z.number().int(),
  disagreements: z.number().int(),
  unusable: z.number().int(),
});
export type FeedbackCounts = z.infer<typeof feedbackCountsSchema>;

export const preferenceHandlers = {
  'prefs.create': handler({
    summary: 'Starts a blind A/B session over the items two evals share: seeded order, each pair’s sides randomised (audited).',
    args: z.object({ aEvalId: z.string().min(1), bEvalId: z.string().min(1), label: z.string().max(200).optional(), seed: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    result: preferenceSessionSchema,
    writes: true,
  }),
  'prefs.list': handler({ summary: 'Blind A/B sessions, newest first, with this judge’s progress.', args: z.object({}).strict(), result: z.object({ sessions: z.array(preferenceSessionSchema) }), writes: false }),
  'prefs.next': handler({
    summary: 'The next pair this judge has not decided (null when all are done), without saying which model is which.',
    args: sessionArg,
    result: z.object({ session: preferenceSessionSchema, pair: blindPairSchema.nullable() }),
    writes: false,
  }),
  'prefs.judge': handler({
    summary: 'Records this judge’s choice for one pair (left, right or tie); a later choice on the same pair supersedes it.',
    args: z.object({ sessionId: z.string().min(1), position: z.number().int(), choice: z.enum(['left', 'right', 'tie']), note: z.string().max(2000).optional() }).strict(),
    result: z.object({ session: preferenceSessionSchema, pair: blindPairSchema.nullable() }),
    writes: true,
  }),
  'prefs.feedback': handler({
    summary: 'How many preference pairs the feedback so far would give, per source (nothing is written).',
    args: feedbackSourcesSchema,
    result: feedbackCountsSchema,
    writes: false,
  }),
  'prefs.makeDataset': handler({
    summary: 'Turns A/B judgements, playground corrections and review edits into preference pairs: a new dataset, or the next version of one (audited).',
    args: makePreferenceDatasetArgs,
    result: z.object({ datasetId: z.string(), version: versionSchema, added: z.number().int(), counts: feedbackCountsSchema }),
    writes: true,
  }),
  'prefs.results': handler({
    summary: 'Win rate of B over A with its 95% interval, per judge; reveals which eval was A and B (audited the first time).',
    args: sessionArg,
    result: preferenceResultsSchema,
    writes: true,
  }),
};
