import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import type { Recipe } from '../../shared/contract/features/recipes.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import { AuditLog } from '../audit/audit-log.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { recipeQueries, type ComponentRow, type RecipeRow } from '../db/queries/recipes.js';
import { formatExample } from './export.js';
import { cachedCounter, type LoadedTokenizer } from './token-count.js';
import { requireVersion, versionRows } from './version-writer.js';

/** What the trainer reads: one JSONL per component; see resources/trainer/lathe_trainer/train/config.py `_recipe`. */
export interface RecipeSourceFile { path: string; ratio: number; kind: 'chat' | 'text' }

/** Validation and test examples are held out of every recipe, so an eval never scores what the model trained on. */
const trains = (split: string | null) => split === null || split === 'train';

export function createRecipe(
  db: Database.Database,
  args: { name: string; description: string; components: Array<{ versionId: string; ratio: number }> },
  tok: LoadedTokenizer | null,
  actor: string,
): { recipe: Recipe; audit: AuditEntry } {
  const q = recipeQueries(db);
  if (q.byName(args.name)) throw new LatheError('INVALID_ARGUMENTS', `A recipe named "${args.name}" already exists.`, 'Recipes never change once made; pick another name.');
  const counter = tok ? cachedCounter(db, tok) : null;
  const id = randomUUID();
  const parts: ComponentRow[] = args.components.map((c, position) => {
    const version = requireVersion(db, c.versionId);
    const kinds = new Set<string>();
    let examples = 0;
    let tokens = 0;
    for (const r of versionRows(db, version)) {
      if (!trains(r.split)) continue;
      kinds.add((JSON.parse(r.content) as ExampleContent).kind);
      examples += 1;
      if (counter) tokens += counter.count(r.content_hash, r.content);
    }
    const name = `${datasetQueries(db).datasetById(version.dataset_id)!.name} v${version.number}`;
    if (examples === 0) throw new LatheError('INVALID_ARGUMENTS', `${name} has no training examples.`, 'Pick a version with examples in its train split (or not yet split).');
    if (kinds.size > 1) throw new LatheError('INVALID_ARGUMENTS', `${name} mixes chat and plain-text examples.`, 'Filter it into a chat-only and a text-only version and add them as two components.');
    return { recipe_id: id, position, version_id: version.id, ratio: c.ratio, kind: kinds.has('text') ? 'text' : 'chat', examples, tokens: counter ? tokens : null };
  });
  counter?.flush();
  const row: RecipeRow = { id, name: args.name, description: args.description, tokenizer_path: tok?.path ?? null, tokenizer_sha: tok?.sha256 ?? null, created_at: new Date().toISOString(), created_by: actor };
  const tx = db.transaction(() => {
    q.insert(row, parts);
    const recipe = getRecipe(db, id);
    const audit = new AuditLog(db).append({
      actor,
      action: 'recipe.create',
      objectType: 'recipe',
      objectId: id,
      details: { name: args.name, tokenizerSha256: tok?.sha256 ?? null, totalTokens: recipe.totalTokens, components: recipe.components.map((c) => ({ versionId: c.versionId, contentHash: c.contentHash, ratio: c.ratio, tokens: c.tokens })) },
    });
    return { recipe, audit };
  });
  return tx.immediate();
}

export function getRecipe(db: Database.Database, id: string): Recipe {
  const q = recipeQueries(db);
  const r = q.byId(id);
  if (!r) throw new LatheError('NOT_FOUND', `There is no recipe ${id}.`, 'Refresh the recipes list.');
  const comps = q.components(id);
  const ratioSum = comps.reduce((s, c) => s + c.ratio, 0);
  const counted = comps.every((c) => c.tokens !== null);
  const totalTokens = counted ? comps.reduce((s, c) => s + c.tokens!, 0) : null;
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    tokenizer: r.tokenizer_path && r.tokenizer_sha ? { path: r.tokenizer_path, sha256: r.tokenizer_sha } : null,
    components: comps.map((c) => {
      const mixTokens = totalTokens !== null ? Math.round((c.ratio / ratioSum) * totalTokens) : null;
      return {
        versionId: c.version_id,
        datasetName: c.dataset_name,
        versionNumber: c.version_number,
        contentHash: c.content_hash,
        ratio: c.ratio / ratioSum,
        kind: c.kind,
        examples: c.examples,
        tokens: c.tokens,
        mixTokens,
        repeats: mixTokens !== null && c.tokens ? mixTokens / c.tokens : null,
      };
    }),
    totalTokens,
    totalExamples: comps.reduce((s, c) => s + c.examples, 0),
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function listRecipes(db: Database.Database): Recipe[] {
  return recipeQueries(db).list().map((r) => getRecipe(db, r.id));
}

/**
 * Writes one JSONL per component into `dir` (chat: {"messages": [...]}, text: {"text": ...}; train split and
 * unsplit examples only) and returns the trainer's `recipe` list. Each file is written to a temporary name
 * and renamed, so `dir` never holds half a component.
 */
export function materializeRecipe(db: Database.Database, recipeId: string, dir: string): RecipeSourceFile[] {
  const recipe = getRecipe(db, recipeId);
  fs.mkdirSync(dir, { recursive: true });
  return recipe.components.map((c, i) => {
    const file = path.join(dir, `recipe-${i + 1}-${c.datasetName.replace(/[^\w.-]+/g, '-')}-v${c.versionNumber}.jsonl`);
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    try {
      let buf: string[] = [];
      for (const r of versionRows(db, requireVersion(db, c.versionId))) {
        if (!trains(r.split)) continue;
        buf.push(JSON.stringify(formatExample(JSON.parse(r.content) as ExampleContent, c.kind === 'text' ? 'text' : 'openai-chat')) + '\n');
        if (buf.length >= 2000) {
          fs.writeSync(fd, buf.join(''));
          buf = [];
        }
      }
      fs.writeSync(fd, buf.join(''));
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    return { path: file, ratio: c.ratio, kind: c.kind };
  });
}
