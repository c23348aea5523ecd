import { useEffect, useState } from 'react';
import type { Recipe } from '../../../src/shared/contract/features/recipes.js';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { asErrorData } from '../../stores/errors.js';
import { listRecipes } from '../datasets/datasets-store.js';
import { pageHref } from '../shell/pages.js';

/** What runs.start needs from a recipe: its components by ratio, and the version whose validation split is used. */
export interface RecipeChoice {
  recipeId: string;
  components: Array<{ datasetVersionId: string; ratio: number }>;
  validationVersionId: string;
  totalExamples: number;
}

export function toRecipeChoice(r: Recipe): RecipeChoice {
  // Validation comes from one version: the first chat component (it holds the task being trained), else the first.
  const validation = r.components.find((c) => c.kind === 'chat') ?? r.components[0];
  return {
    recipeId: r.id,
    components: r.components.map((c) => ({ datasetVersionId: c.versionId, ratio: c.ratio })),
    validationVersionId: validation?.versionId ?? '',
    totalExamples: r.totalExamples,
  };
}

/** A saved data recipe (Datasets → Recipes): several dataset versions mixed by ratio of training tokens. */
export function RecipePicker({ value, onChange, prefer }: { value: RecipeChoice | null; onChange(choice: RecipeChoice | null): void; prefer?: RecipeChoice['components'] }) {
  const [recipes, setRecipes] = useState<Recipe[] | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);

  useEffect(() => {
    listRecipes()
      .then(setRecipes)
      .catch((err: unknown) => setError(asErrorData(err)));
  }, []);

  // Start on the recipe a retried run mixed (same versions and ratios), else the newest, so a run can be launched
  // without touching the select.
  useEffect(() => {
    if (value || !recipes?.[0]) return;
    const same = prefer && recipes.find((r) => sameMix(toRecipeChoice(r).components, prefer));
    onChange(toRecipeChoice(same ?? recipes[0]));
  }, [recipes, value, onChange, prefer]);

  if (error) return <ErrorAlert title="Could not list the recipes" error={error} />;
  const current = recipes?.find((r) => r.id === value?.recipeId);
  return (
    <label className="field">
      <span className="field-label">Recipe</span>
      <span className="select-input">
        <select
          data-testid="train-recipe"
          value={value?.recipeId ?? ''}
          disabled={!recipes?.length}
          onChange={(e) => {
            const r = recipes?.find((x) => x.id === e.target.value);
            onChange(r ? toRecipeChoice(r) : null);
          }}
        >
          {recipes === null && <option value="">Loading…</option>}
          {recipes?.length === 0 && <option value="">No recipes yet</option>}
          {recipes?.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} · {r.components.length} versions · {r.totalExamples.toLocaleString()} examples
            </option>
          ))}
        </select>
      </span>
      <span className="field-hint" data-testid="train-recipe-hint">
        {recipes?.length === 0 ? (
          <>
            Create one on the <a href={pageHref('datasets')}>Datasets</a> page (Recipes).
          </>
        ) : current ? (
          `Mix: ${current.components.map((c) => `${c.datasetName} v${c.versionNumber} ${Math.round(c.ratio * 100)} %`).join(' · ')}. Validation uses the first task version.`
        ) : (
          'Several dataset versions mixed by ratio of training tokens.'
        )}
      </span>
    </label>
  );
}

function sameMix(a: RecipeChoice['components'], b: RecipeChoice['components']): boolean {
  const key = (c: RecipeChoice['components']) => JSON.stringify(c.map((x) => [x.datasetVersionId, x.ratio]).sort());
  return key(a) === key(b);
}
