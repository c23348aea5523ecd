import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { createRecipe, getRecipe, listRecipes } from './recipes.js';
import { TokenizerCache } from './token-count.js';

type Impls = Pick<HandlerImpls, 'recipes.create' | 'recipes.list' | 'recipes.get'>;

/** The handlers of `contract/features/recipes.ts`: data recipes (several versions mixed by token share). */
export function recipeHandlers(ctx: EngineContext): Impls {
  const db = () => requireDb(ctx).db;
  const tokenizers = new TokenizerCache();
  return {
    'recipes.create': async ({ name, description, tokenizerPath, components }) => {
      const { recipe, audit } = createRecipe(db(), { name, description, components }, tokenizerPath ? tokenizers.load(tokenizerPath) : null, ctx.actor);
      ctx.events.emit('audit.appended', audit);
      return recipe;
    },
    'recipes.list': async () => ({ recipes: listRecipes(db()) }),
    'recipes.get': async ({ id }) => getRecipe(db(), id),
  };
}
