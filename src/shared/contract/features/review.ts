import { z } from 'zod';
import { handler } from '../define.js';
import { exampleContentSchema, splitSchema, versionSchema } from './datasets.js';

/** What a reviewer can do to one example. Edits carry the new content; it becomes a new revision (new hash). */
export const reviewActionSchema = z.enum(['accept', 'reject', 'edit', 'skip', 'comment', 'tag', 'untag']);
export type ReviewAction = z.infer<typeof reviewActionSchema>;
export const reviewVerdictSchema = z.enum(['accept', 'reject', 'edit', 'skip']);
/** An example's combined state over all reviewers; two reviewers with different verdicts is a disagreement. */
export const reviewStatusSchema = z.enum(['unreviewed', 'accepted', 'rejected', 'edited', 'skipped', 'disagreement']);
export type ReviewStatus = z.infer<typeof reviewStatusSchema>;

const reviewerSchema = z.string().trim().min(1).max(200);
const tagSchema = z.string().trim().min(1).max(60);

export const reviewStateSchema = z.object({
  position: z.number().int(),
  status: reviewStatusSchema,
  /** Content hash the example will have in a version made from this review (an edit's revision). */
  finalHash: z.string().nullable(),
  tags: z.array(z.string()),
  verdicts: z.array(z.object({ reviewer: z.string(), verdict: reviewVerdictSchema, afterHash: z.string().nullable(), at: z.string() })),
  comments: z.number().int(),
  /** A curator's decision where the labellers disagreed; it decides the status. */
  adjudication: z.object({ verdict: z.enum(['accept', 'reject']), by: z.string(), reason: z.string(), at: z.string() }).nullable(),
});
export type ReviewState = z.infer<typeof reviewStateSchema>;

export const reviewEntrySchema = z.object({
  id: z.number().int(),
  position: z.number().int(),
  reviewer: z.string(),
  action: z.enum(['accept', 'reject', 'edit', 'skip', 'comment', 'tag', 'untag', 'undo']),
  beforeHash: z.string(),
  afterHash: z.string().nullable(),
  /** For an edit: the content before and after, so the history shows what changed. */
  before: exampleContentSchema.nullable(),
  after: exampleContentSchema.nullable(),
  tag: z.string().nullable(),
  reason: z.string().nullable(),
  undoes: z.number().int().nullable(),
  undone: z.boolean(),
  at: z.string(),
  /**
   * Set on a verdict carried into a version made from a review: the version (and its number) and position where the
   * reviewer gave it. Not an action in this version, so it cannot be undone here.
   */
  carriedFrom: z.object({ versionId: z.string(), versionNumber: z.number().int().nullable(), position: z.number().int() }).nullable(),
});
export type ReviewEntry = z.infer<typeof reviewEntrySchema>;

export const exampleFilterSchema = z
  .object({
    status: reviewStatusSchema.optional(),
    tag: tagSchema.optional(),
    /** Source file name (the part of an example's source before ":"). */
    source: z.string().min(1).max(1000).optional(),
    split: z.union([splitSchema, z.literal('none')]).optional(),
    /** Only examples with (true) or without (false) PII hits from the built-in detectors. */
    pii: z.boolean().optional(),
    /** Only examples in a near-duplicate cluster (MinHash, Jaccard >= 0.8); each then carries its cluster number. */
    duplicates: z.boolean().optional(),
    search: z.string().trim().min(1).max(500).optional(),
    /** Only the examples assigned to this labeller (`reviews.assign`). In team mode a labeller sees only their own. */
    assignedTo: reviewerSchema.optional(),
  })
  .strict();
export type ExampleFilter = z.infer<typeof exampleFilterSchema>;

export const reviewedExampleSchema = z.object({
  position: z.number().int(),
  contentHash: z.string(),
  content: exampleContentSchema,
  source: z.string(),
  split: splitSchema.nullable(),
  status: reviewStatusSchema,
  /** The edited revision, when the example was edited. */
  edited: exampleContentSchema.nullable(),
  tags: z.array(z.string()),
  cluster: z.number().int().nullable(),
});
export type ReviewedExample = z.infer<typeof reviewedExampleSchema>;

const place = { versionId: z.string().min(1), position: z.number().int().min(0) };

const alphaSchema = z.object({ units: z.number().int(), values: z.number().int(), alpha: z.number().nullable() });
/** Agreement among a version's labellers on the examples two or more of them judged (null figures: not defined). */
export const reviewAgreementSchema = z.object({
  versionId: z.string(),
  /** Labellers with at least one verdict on the overlap. */
  reviewers: z.array(z.string()),
  /** Examples with verdicts from two or more labellers. */
  overlap: z.number().int(),
  /** Krippendorff's alpha (nominal) over the verdicts accept / reject / edit / skip. */
  verdicts: alphaSchema,
  /** Cohen's kappa for each pair of labellers, on the examples both judged. */
  pairs: z.array(z.object({ a: z.string(), b: z.string(), n: z.number().int(), observed: z.number(), expected: z.number(), kappa: z.number().nullable() })),
  /** Per tag: alpha over "tagged" or "not tagged" by each labeller of an overlap example. */
  tags: z.array(alphaSchema.extend({ tag: z.string() })),
});
export type ReviewAgreement = z.infer<typeof reviewAgreementSchema>;

/** A version's review queue split among labellers, and how far each has come. */
export const reviewAssignmentsSchema = z.object({
  versionId: z.string(),
  plan: z.object({ labellers: z.array(z.string()), overlap: z.number(), seed: z.number().int(), createdBy: z.string(), createdAt: z.string() }).nullable(),
  /** Per labeller: examples assigned, and how many of those they gave a verdict on. */
  progress: z.array(z.object({ labeller: z.string(), assigned: z.number().int(), judged: z.number().int() })),
  /** Examples assigned to two labellers (the overlap the agreement figures use). */
  doubled: z.number().int(),
});
export type ReviewAssignments = z.infer<typeof reviewAssignmentsSchema>;

export const reviewHandlers = {
  'reviews.act': handler({
    summary: 'Records one review action (accept, reject, edit, skip, comment, tag, untag) on an example of a version.',
    args: z
      .object({
        ...place,
        action: reviewActionSchema,
        content: exampleContentSchema.optional(),
        tag: tagSchema.optional(),
        reason: z.string().trim().max(2000).optional(),
        reviewer: reviewerSchema.optional(),
      })
      .strict(),
    result: z.object({ entryId: z.number().int(), state: reviewStateSchema }),
    writes: true,
  }),
  'reviews.undo': handler({
    summary: "Cancels the reviewer's latest action in this version (repeat to go further back); history keeps both.",
    args: z.object({ versionId: z.string().min(1), reviewer: reviewerSchema.optional() }).strict(),
    result: z.object({ undone: reviewEntrySchema.nullable(), state: reviewStateSchema.nullable() }),
    writes: true,
  }),
  'reviews.history': handler({
    summary: 'Every review action on one example of a version, oldest first, with its current state.',
    args: z.object(place).strict(),
    result: z.object({ entries: z.array(reviewEntrySchema), state: reviewStateSchema }),
    writes: false,
  }),
  'reviews.examples': handler({
    summary: 'A filtered page of a version\'s examples with review status and tags (status, tag, source, split, PII, duplicates, search).',
    args: z
      .object({
        versionId: z.string().min(1),
        filter: exampleFilterSchema.default({}),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
        /** A window for paging through millions: matches at or after this position, in order… */
        fromPosition: z.number().int().min(0).optional(),
        /** …or the matches just before this position, nearest first. `total` always counts every match. */
        beforePosition: z.number().int().min(0).optional(),
      })
      .strict(),
    result: z.object({ total: z.number().int(), examples: z.array(reviewedExampleSchema) }),
    writes: false,
  }),
  'reviews.summary': handler({
    summary: 'Review progress of a version: counts per status, tags, reviewers, sources.',
    args: z.object({ versionId: z.string().min(1) }).strict(),
    result: z.object({
      total: z.number().int(),
      byStatus: z.record(reviewStatusSchema, z.number().int()),
      tags: z.array(z.object({ tag: z.string(), count: z.number().int() })),
      reviewers: z.array(z.object({ reviewer: z.string(), actions: z.number().int() })),
      sources: z.array(z.object({ source: z.string(), count: z.number().int() })),
    }),
    writes: false,
  }),
  'reviews.disagreements': handler({
    summary: 'Examples where reviewers gave different verdicts, with each verdict.',
    args: z.object({ versionId: z.string().min(1), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: z.object({ total: z.number().int(), items: z.array(reviewStateSchema) }),
    writes: false,
  }),
  'reviews.agreement': handler({
    summary: "How far a version's labellers agree on the examples two or more judged: Krippendorff's alpha on verdicts and per tag, Cohen's kappa per pair.",
    args: z.object({ versionId: z.string().min(1) }).strict(),
    result: reviewAgreementSchema,
    writes: false,
  }),
  'reviews.adjudicate': handler({
    summary: 'A curator settles an example the labellers disagree on (accept or reject, with the reason); recorded and audited.',
    args: z.object({ ...place, verdict: z.enum(['accept', 'reject']), reason: z.string().trim().min(3).max(2000) }).strict(),
    result: z.object({ state: reviewStateSchema }),
    writes: true,
  }),
  'reviews.assign': handler({
    summary: "Splits a version's review queue among labellers (seeded shuffle), with an overlap share judged by two; replaces an earlier split.",
    args: z.object({ versionId: z.string().min(1), labellers: z.array(reviewerSchema).min(1).max(50), overlap: z.number().min(0).max(1).default(0), seed: z.number().int().min(0).default(0) }).strict(),
    result: reviewAssignmentsSchema,
    writes: true,
  }),
  'reviews.assignments': handler({
    summary: "A version's split among labellers and each labeller's progress.",
    args: z.object({ versionId: z.string().min(1) }).strict(),
    result: reviewAssignmentsSchema,
    writes: false,
  }),
  'reviews.makeVersion': handler({
    summary: 'Makes a new immutable version from the review: accepted and edited examples (edits as their new revision), which stay reviewed there (their verdicts are carried).',
    args: z.object({ versionId: z.string().min(1), includeUnreviewed: z.boolean().default(false) }).strict(),
    result: z.object({
      version: versionSchema, kept: z.number().int(), edited: z.number().int(), dropped: z.number().int(), disagreements: z.number().int(),
      /** Kept examples whose verdicts were carried into the new version (they count as reviewed there). */
      carried: z.number().int(),
    }),
    writes: true,
  }),
};
