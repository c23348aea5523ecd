import { LatheError } from '../shared/contract/errors.js';
import type { Engine } from '../engine/engine.js';

/**
 * The one place the CLI turns an id a person typed into the full id. Lists print ids short (`lathe models list`,
 * `lathe export --list`: the first 8 characters), so every id argument takes the full id or a unique prefix of
 * one, at least MIN_PREFIX characters long, any case; models are also found by their exact registry name.
 * A prefix shared by several records, or one that matches nothing, is an error that says which.
 */
export const MIN_PREFIX = 4;

interface Candidate { id: string; name?: string }

const startsWith = (id: string, typed: string) => typed.length >= MIN_PREFIX && id.toLowerCase().startsWith(typed.toLowerCase());
const label = (c: Candidate) => (c.name ? `${c.id.slice(0, 8)} (${c.name})` : c.id.slice(0, 8));

/** Full id, then exact name, then id prefix; `what` names the kind in messages ("model", "eval"), `see` says where ids are listed. */
export function pickId(what: string, typed: string, candidates: readonly Candidate[], see: string): string {
  const exact = candidates.find((c) => c.id === typed);
  if (exact) return exact.id;
  const named = candidates.filter((c) => c.name !== undefined && c.name === typed);
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) {
    throw new LatheError('INVALID_ARGUMENTS', `The name "${typed}" is ambiguous; ${named.length} entries have it: ${named.map(label).join(', ')}.`, `Give the id (or its first characters) instead of the name. ${see}`);
  }
  const hits = candidates.filter((c) => startsWith(c.id, typed));
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length > 1) {
    const shown = hits.slice(0, 5).map(label).join(', ');
    throw new LatheError('INVALID_ARGUMENTS', `The id prefix "${typed}" is ambiguous; ${hits.length} ${what} ids start with it: ${shown}${hits.length > 5 ? ', …' : ''}.`, `Type more characters of the id. ${see}`);
  }
  const short = typed.length < MIN_PREFIX ? ` (an id prefix needs at least ${MIN_PREFIX} characters)` : '';
  const ways = candidates.some((c) => c.name !== undefined) ? ', an id starting with it or that name' : ' or an id starting with it';
  throw new LatheError('NOT_FOUND', `No ${what} has the id "${typed}"${ways}${short}.`, see);
}

/** Any registered model, adapter or conversion (`lathe models list`). */
export async function resolveModelId(engine: Engine, typed: string): Promise<string> {
  const { models } = await engine.call('models.list', {});
  return pickId('model', typed, models, 'See `lathe models list` for names and ids.');
}

/** A registered GGUF model or GGUF LoRA adapter: what llama.cpp loads (chat, eval, generate); `adapter` keeps adapters only. */
export async function resolveGgufModelId(engine: Engine, typed: string, only?: 'adapter'): Promise<string> {
  const { models } = await engine.call('playground.models', {});
  const candidates = only === 'adapter' ? models.filter((m) => m.kind === 'gguf-lora') : models;
  return pickId(only === 'adapter' ? 'GGUF adapter' : 'GGUF model or adapter', typed, candidates, 'See `lathe models list` (kinds gguf and gguf-lora); register or convert to GGUF first.');
}

/** Records without names that commands take by id; each table's key column is `id`. */
const RECORDS = {
  run: { table: 'runs', see: 'The run id is printed when the run starts, and on the Runs page.' },
  eval: { table: 'evals', see: '`lathe eval` prints the id of each eval; the Evaluate page lists them.' },
  export: { table: 'exports', see: 'See `lathe export --list`.' },
  release: { table: 'releases', see: 'Release decisions are listed on the Evaluate page; or use --release latest.' },
  'dataset version': { table: 'dataset_versions', see: 'Version ids are printed by `lathe import` and listed on the Datasets page.' },
  'generation job': { table: 'synthetic_jobs', see: 'See `lathe generate --list`.' },
} as const;

export type RecordKind = keyof typeof RECORDS;

/** A run, eval, export, release, dataset version or generation job by full id or unique prefix. */
export function resolveRecordId(engine: Engine, kind: RecordKind, typed: string): string {
  const db = engine.ctx.db;
  if (!db) return typed; // a damaged library: the engine call that follows explains it
  const { table, see } = RECORDS[kind];
  const rows = db
    .prepare(`SELECT id FROM ${table} WHERE id = ? OR (length(?) >= ${MIN_PREFIX} AND lower(substr(id, 1, length(?))) = lower(?)) LIMIT 50`)
    .all(typed, typed, typed, typed) as Candidate[];
  return pickId(kind, typed, rows, see);
}
