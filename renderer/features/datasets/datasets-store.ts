import { create } from 'zustand';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import type { CurateOperation } from '../../../src/shared/contract/features/datasets.js';
import type { Recipe } from '../../../src/shared/contract/features/recipes.js';
import type { ArgsOf, DatasetSummary, DatasetVersion, ExampleContent, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import type { ExampleFilter, ReviewAction } from '../../../src/shared/contract/features/review.js';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface VersionsState {
  status: LoadStatus;
  /** Newest first, as the engine returns them. */
  versions: DatasetVersion[];
  error: LatheErrorData | null;
}

interface DatasetsStore {
  datasets: DatasetSummary[];
  status: LoadStatus;
  /** True while a (re)load is in flight, also when an older list is still on screen. */
  loading: boolean;
  error: LatheErrorData | null;
  /** Versions per dataset id, loaded when a dataset is opened. */
  versions: Record<string, VersionsState>;
  load(): Promise<void>;
  loadVersions(datasetId: string): Promise<void>;
  /** After an import (ours or anyone's): reload the list and every version list already on screen. */
  refresh(): void;
}

// Bumped by every list load so an older, slower answer never overwrites a newer one.
let generation = 0;
const versionGenerations = new Map<string, number>();

export const useDatasets = create<DatasetsStore>((set, get) => ({
  datasets: [],
  status: 'idle',
  loading: false,
  error: null,
  versions: {},

  async load() {
    const mine = ++generation;
    set({ status: get().status === 'ready' ? 'ready' : 'loading', loading: true, error: null });
    try {
      const { datasets } = await getClient().send('datasets.list', {});
      if (mine !== generation) return;
      // Newest first: the dataset you just imported is the one you look for.
      const sorted = [...datasets].sort((a, b) => latestAt(b).localeCompare(latestAt(a)));
      set({ datasets: sorted, status: 'ready', loading: false, error: null });
    } catch (err) {
      if (mine !== generation) return;
      set({ status: 'error', loading: false, error: asErrorData(err) });
    }
  },

  async loadVersions(datasetId) {
    const mine = (versionGenerations.get(datasetId) ?? 0) + 1;
    versionGenerations.set(datasetId, mine);
    const current = get().versions[datasetId];
    set((s) => ({
      versions: {
        ...s.versions,
        [datasetId]: { status: current?.status === 'ready' ? 'ready' : 'loading', versions: current?.versions ?? [], error: null },
      },
    }));
    try {
      const { versions } = await getClient().send('datasets.versions', { datasetId });
      if (versionGenerations.get(datasetId) !== mine) return;
      set((s) => ({ versions: { ...s.versions, [datasetId]: { status: 'ready', versions, error: null } } }));
    } catch (err) {
      if (versionGenerations.get(datasetId) !== mine) return;
      set((s) => ({
        versions: {
          ...s.versions,
          [datasetId]: { status: 'error', versions: s.versions[datasetId]?.versions ?? [], error: asErrorData(err) },
        },
      }));
    }
  },

  refresh() {
    const { status, versions, load, loadVersions } = get();
    if (status !== 'idle') void load();
    for (const id of Object.keys(versions)) void loadVersions(id);
  },
}));

function latestAt(d: DatasetSummary): string {
  return d.latestVersion?.createdAt ?? d.createdAt;
}

/*
 * The Datasets page's requests beyond the list and versions (above): curation steps that make
 * a new version, export, stats, recipes, preference pairs from feedback, and the review queue.
 */

/** Finds personal data in a version (built-in kinds and the given patterns); changes nothing. */
export async function scanPii(versionId: string, customPatterns: string[]): Promise<ResultOf<'datasets.piiScan'>> {
  return getClient().send('datasets.piiScan', { versionId, customPatterns, limit: 200 });
}

/** One curation step (dedup, PII drop, split): a new version; the engine answers NO_CHANGE when nothing would change. */
export async function curateVersion(versionId: string, operation: CurateOperation): Promise<ResultOf<'datasets.curate'>> {
  return getClient().send('datasets.curate', { versionId, operation });
}

/** Keeps the examples that pass the filter's checks, as a new version. */
export async function filterVersion(versionId: string, filter: ArgsOf<'datasets.filter'>['filter']): Promise<ResultOf<'datasets.filter'>> {
  return getClient().send('datasets.filter', { versionId, filter });
}

/** Writes a version as JSONL with its manifest. */
export async function exportVersion(args: ArgsOf<'datasets.export'>): Promise<ResultOf<'datasets.export'>> {
  return getClient().send('datasets.export', args);
}

/** A version's counts, and its token lengths when a tokenizer is given. */
export async function loadStats(versionId: string, tokenizerPath: string | null): Promise<ResultOf<'datasets.stats'>> {
  return getClient().send('datasets.stats', { versionId, ...(tokenizerPath ? { tokenizerPath } : {}), bins: 24 });
}

/** Turns the feedback given in Lathe (A/B judgements, corrections, review edits) into a preference dataset. */
export async function makeFeedbackDataset(args: ArgsOf<'prefs.makeDataset'>): Promise<ResultOf<'prefs.makeDataset'>> {
  return getClient().send('prefs.makeDataset', args);
}

/** The saved data recipes (Datasets → Recipes; Train picks one). */
export async function listRecipes(): Promise<Recipe[]> {
  return (await getClient().send('recipes.list', {})).recipes;
}

/** Saves a recipe: dataset versions mixed by share of training tokens. */
export async function createRecipe(args: ArgsOf<'recipes.create'>): Promise<Recipe> {
  return getClient().send('recipes.create', args);
}

// --- The review queue of one version ---

/** How many matches the review queue holds at once. */
const REVIEW_PAGE = 200;

/** Matches at or after a position, or the matches just before one (nearest first). */
export type ReviewRange = { fromPosition: number } | { beforePosition: number };

export async function listReviewExamples(versionId: string, filter: ExampleFilter, range: ReviewRange): Promise<ResultOf<'reviews.examples'>> {
  return getClient().send('reviews.examples', { versionId, filter, ...range, limit: REVIEW_PAGE });
}

/** Counts by review status, with the sources and tags to filter by. */
export async function loadReviewSummary(versionId: string): Promise<ResultOf<'reviews.summary'>> {
  return getClient().send('reviews.summary', { versionId });
}

/** One example's review actions, oldest first, and its state now. */
export async function loadReviewHistory(versionId: string, position: number): Promise<ResultOf<'reviews.history'>> {
  return getClient().send('reviews.history', { versionId, position });
}

/** Records one review action; `reviewer` is the typed name (left out in team mode, where the engine knows the user). */
/** A curator settles an example the labellers disagree on (reviews.adjudicate). */
export async function adjudicateExample(versionId: string, position: number, verdict: 'accept' | 'reject', reason: string): Promise<void> {
  await getClient().send('reviews.adjudicate', { versionId, position, verdict, reason });
}

export async function reviewExample(
  versionId: string,
  position: number,
  action: ReviewAction,
  extra: { content?: ExampleContent; tag?: string; reason?: string },
  reviewer: string | undefined,
): Promise<ResultOf<'reviews.act'>> {
  return getClient().send('reviews.act', { versionId, position, action, ...extra, ...(reviewer ? { reviewer } : {}) });
}

/** Cancels the reviewer's latest action in the version that is still in effect. */
export async function undoReview(versionId: string, reviewer: string | undefined): Promise<ResultOf<'reviews.undo'>> {
  return getClient().send('reviews.undo', { versionId, ...(reviewer ? { reviewer } : {}) });
}

/** The reviewed examples (accepted and edited; unreviewed too when asked) as a new version. */
export async function makeReviewedVersion(versionId: string, includeUnreviewed: boolean): Promise<ResultOf<'reviews.makeVersion'>> {
  return getClient().send('reviews.makeVersion', { versionId, includeUnreviewed });
}
