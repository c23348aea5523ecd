import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LatheError } from '../../../shared/contract/errors.js';
import type { EngineContext } from '../../context.js';
import { datasetQueries } from '../../db/queries/datasets.js';
import { hygieneQueries } from '../../db/queries/hygiene.js';
import { detectImport } from '../../datasets/detect.js';
import { runImportJob } from '../../datasets/run-import-job.js';
import { resourcesDir } from '../../paths.js';
import { requireDb } from '../../require-db.js';

/**
 * Suites shipped in resources/samples/eval-suites: the general-skills suite (forgetting check) and the safety suite.
 * A suite is a JSON file of items with a category (safety: what the item probes) and, for safety items, whether the
 * model should refuse or answer. Installing one writes it as chat JSONL and imports it through the ordinary dataset
 * import (hashes, audit); the version is remembered, so a second install returns the same version unless the file
 * changed.
 */
const suiteSchema = z.object({
  id: z.string(), name: z.string(), version: z.number().int(), description: z.string(), system: z.string(),
  items: z.array(z.object({ category: z.string(), prompt: z.string().min(1), reference: z.string().min(1), expect: z.enum(['refuse', 'answer']).optional() })).min(1),
});
export type SuiteFile = z.infer<typeof suiteSchema>;
export const SUITE_IDS = ['general-skills', 'safety'] as const;
export type SuiteId = (typeof SUITE_IDS)[number];

export function suitesDir(): string {
  return path.join(resourcesDir(), 'samples', 'eval-suites');
}

const cache = new Map<string, { sha: string; suite: SuiteFile }>();
export function readSuite(id: string): { sha: string; suite: SuiteFile } {
  const file = path.join(suitesDir(), `${id}.json`);
  if (!(SUITE_IDS as readonly string[]).includes(id) || !fs.existsSync(file)) {
    throw new LatheError('NOT_FOUND', `There is no shipped eval suite “${id}”.`, `Pick one of: ${SUITE_IDS.join(', ')}.`);
  }
  const bytes = fs.readFileSync(file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const hit = cache.get(id);
  if (hit?.sha === sha) return hit;
  const parsed = suiteSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new LatheError('INTERNAL', `The shipped suite ${id}.json is damaged: ${parsed.error.issues[0]?.message}.`, 'Reinstall Lathe; in a source checkout, restore resources/samples with git.');
  const entry = { sha, suite: parsed.data };
  cache.set(id, entry);
  return entry;
}

export function listSuites(ctx: EngineContext) {
  const { db } = requireDb(ctx);
  const hq = hygieneQueries(db);
  return SUITE_IDS.map((id) => {
    const { sha, suite } = readSuite(id);
    const installed = hq.suite(id);
    const current = installed && installed.file_sha256 === sha && datasetQueries(db).versionById(installed.version_id) ? installed : null;
    return {
      id, name: suite.name, description: suite.description, items: suite.items.length,
      categories: [...new Set(suite.items.map((i) => i.category))],
      installedVersionId: current?.version_id ?? null, installedAt: current?.installed_at ?? null,
    };
  });
}

/** Imports a suite as a dataset (once per file content) and returns its version. */
export async function installSuite(ctx: EngineContext, id: string): Promise<{ versionId: string; installed: boolean }> {
  const { db } = requireDb(ctx);
  const { sha, suite } = readSuite(id);
  const hq = hygieneQueries(db);
  const existing = hq.suite(id);
  if (existing && existing.file_sha256 === sha && datasetQueries(db).versionById(existing.version_id)) return { versionId: existing.version_id, installed: false };
  const dir = path.join(ctx.dataDir, 'eval-suites');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${id}-v${suite.version}.jsonl`);
  const lines = suite.items.map((i) => JSON.stringify({ messages: [{ role: 'system', content: suite.system }, { role: 'user', content: i.prompt }, { role: 'assistant', content: i.reference }] }));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const detection = await detectImport(file);
  const result = await runImportJob(ctx, undefined, {
    importId: randomUUID(), path: file, datasetName: `${suite.name} (Lathe suite)`, fileType: detection.fileType, encoding: detection.encoding,
    format: detection.format, mapping: detection.mapping, onError: 'abort', actor: ctx.actor, rejectsDir: path.join(ctx.dataDir, 'imports'),
  });
  hq.putSuite({ suite_id: id, version_id: result.versionId, file_sha256: sha, installed_at: new Date().toISOString(), installed_by: ctx.actor });
  return { versionId: result.versionId, installed: true };
}

/** Which shipped suite (if any) a dataset version is, so results can be read with the suite's categories. */
export function suiteOfVersion(ctx: EngineContext, versionId: string): SuiteId | null {
  const rows = hygieneQueries(requireDb(ctx).db).suites();
  return (rows.find((r) => r.version_id === versionId)?.suite_id as SuiteId | undefined) ?? null;
}
