import { z } from 'zod';
import { handler } from '../define.js';

/**
 * A data recipe: a named, immutable mix of dataset versions. `ratio` is a component's share of the training
 * tokens (ratios are normalised), as the trainer reads `recipe: [{path, ratio, kind}]`: one epoch of the mix
 * holds as many tokens as all components together, so a small component with a large share repeats.
 */
export const recipeComponentSchema = z.object({
  versionId: z.string(),
  datasetName: z.string(),
  versionNumber: z.number().int(),
  contentHash: z.string(),
  ratio: z.number(),
  /** chat: SFT on assistant turns; text: continued pre-training blocks. */
  kind: z.enum(['chat', 'text']),
  /** Examples the trainer gets (train split and unsplit; validation and test are held out). */
  examples: z.number().int(),
  tokens: z.number().int().nullable(),
  /** Tokens this component contributes to one epoch of the mix, and how often its data repeats to get there. */
  mixTokens: z.number().int().nullable(),
  repeats: z.number().nullable(),
});
export type RecipeComponent = z.infer<typeof recipeComponentSchema>;

export const recipeSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tokenizer: z.object({ path: z.string(), sha256: z.string() }).nullable(),
  components: z.array(recipeComponentSchema),
  totalTokens: z.number().int().nullable(),
  totalExamples: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type Recipe = z.infer<typeof recipeSchema>;

export const recipeHandlers = {
  'recipes.create': handler({
    summary: 'Saves a named mix of dataset versions with ratios, counting each component\'s tokens with the chosen tokenizer.',
    args: z
      .object({
        name: z.string().trim().min(1).max(200),
        description: z.string().max(2000).default(''),
        tokenizerPath: z.string().min(1).optional(),
        components: z.array(z.object({ versionId: z.string().min(1), ratio: z.number().positive().max(1000) }).strict()).min(1).max(50),
      })
      .strict(),
    result: recipeSchema,
    writes: true,
  }),
  'recipes.list': handler({
    summary: 'Every data recipe, newest first.',
    args: z.object({}).strict(),
    result: z.object({ recipes: z.array(recipeSchema) }),
    writes: false,
  }),
  'recipes.get': handler({
    summary: 'One data recipe with its components and token counts.',
    args: z.object({ id: z.string().min(1) }).strict(),
    result: recipeSchema,
    writes: false,
  }),
};
