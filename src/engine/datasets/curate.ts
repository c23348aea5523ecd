import { splitCounts } from '../../shared/datasets/split-counts.js';
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import type { CurateOperation, ExampleContent, ExampleMessage } from '../../shared/contract/features/datasets.js';
import { datasetQueries, type ExamplePageRow, type VersionRow } from '../db/queries/datasets.js';
import { exampleHash, serializeExample } from './content-hash.js';
import { DEFAULT_MINHASH, nearDuplicateClusters } from './minhash.js';
import { compileCustomPatterns, findPii, redactPii } from './pii.js';
import { writeDerivedVersion } from './version-writer.js';
import { exampleText, exampleTexts, mapExampleTexts } from '../../shared/datasets/example-text.js';

const PAGE = 5000;
type Split = 'train' | 'validation' | 'test';
type Row = { content: ExampleContent; text: string; hash: string; source: string; split: Split | null };

/**
 * Makes a new version from a parent by streaming its examples page by page through one curation step into the
 * staging table, then committing version, examples, links and audit entry in one transaction.
 */
const OPERATION_NAMES: Record<CurateOperation['op'], string> = {
  'dedup-exact': 'Removing exact duplicates', 'dedup-near': 'Removing near duplicates', 'pii-redact': 'Redacting PII',
  'pii-drop': 'Dropping examples with PII', split: 'This split',
};

/**
 * One curation step as a new version. `changed`: examples whose content changed (what Compare counts);
 * `resplit`: examples that only moved to another split. A step that changes nothing makes no version and says so
 * (NO_CHANGE): the generator stops before anything is written.
 */
export function curateVersion(db: Database.Database, parentId: string, operation: CurateOperation, actor: string): { version: VersionRow; removed: number; changed: number; resplit: number; audit: AuditEntry } {
  const q = datasetQueries(db);
  const parent = q.versionById(parentId);
  if (!parent) throw new LatheError('NOT_FOUND', `There is no dataset version ${parentId}.`, 'Refresh the dataset page and pick a version.');
  const cutoffs = operation.op === 'split' ? splitCutoffs(db, parent, operation) : new Map<string, SplitCutoff>();
  const step = makeStep(operation, operation.op === 'dedup-near' ? nearDuplicateDrops(db, parent, operation.threshold) : new Set(), cutoffs);
  let removed = 0;
  let changed = 0;
  let resplit = 0;
  function* rows() {
    for (let offset = 0; offset < parent!.example_count; offset += PAGE) {
      for (const r of q.page(parent!.id, offset, PAGE)) {
        const row = toRow(r);
        const out = step(row);
        if (!out) {
          removed += 1;
          continue;
        }
        if (out.hash !== row.hash) changed += 1;
        else if (out.split !== row.split) resplit += 1;
        yield { hash: out.hash, text: out.text, source: out.source, split: out.split };
      }
    }
    if (removed === 0 && changed === 0 && resplit === 0) {
      throw new LatheError('NO_CHANGE', `${OPERATION_NAMES[operation.op]} changes nothing in v${parent!.number}: all ${parent!.example_count} examples stay as they are.`,
        `No new version was made; v${parent!.number} is still the one to use. Try other settings, or another step.`);
    }
  }
  const { version, audit } = writeDerivedVersion(db, parent, rows(), {
    operation: operation.op,
    params: operation,
    actor,
    auditAction: `dataset.curate.${operation.op}`,
    auditDetails: () => ({ operation, removed, changed, resplit }),
  });
  return { version, removed, changed, resplit, audit };
}

function toRow(r: ExamplePageRow): Row & { position: number } {
  return { position: r.position, content: JSON.parse(r.content) as ExampleContent, text: r.content, hash: r.content_hash, source: r.source, split: r.split };
}

function* versionTexts(db: Database.Database, version: VersionRow): Generator<{ position: number; text: string }> {
  const q = datasetQueries(db);
  for (let offset = 0; offset < version.example_count; offset += PAGE) {
    for (const r of q.page(version.id, offset, PAGE)) yield { position: r.position, text: flatText(JSON.parse(r.content) as ExampleContent) };
  }
}

const flatText = (content: ExampleContent): string => exampleText(content);

/** Positions to drop: every member of a near-duplicate cluster but its first. */
function nearDuplicateDrops(db: Database.Database, version: VersionRow, threshold: number): Set<number> {
  const positions: number[] = [];
  const clusters = nearDuplicateClusters(
    (function* () {
      for (const t of versionTexts(db, version)) {
        positions.push(t.position);
        yield t.text;
      }
    })(),
    { ...DEFAULT_MINHASH, threshold },
  );
  return new Set(clusters.flatMap((c) => c.slice(1).map((i) => positions[i]!)));
}

export function findNearDuplicates(db: Database.Database, versionId: string, threshold: number, limit: number) {
  const version = datasetQueries(db).versionById(versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Refresh the dataset page and pick a version.');
  const items = [...versionTexts(db, version)];
  const clusters = nearDuplicateClusters(items.map((i) => i.text), { ...DEFAULT_MINHASH, threshold });
  return {
    clusters: clusters.length,
    duplicates: clusters.reduce((n, c) => n + c.length - 1, 0),
    review: clusters.slice(0, limit).map((c) => ({ positions: c.map((i) => items[i]!.position), previews: c.slice(0, 5).map((i) => items[i]!.text.slice(0, 200)) })),
  };
}

function makeStep(op: CurateOperation, drops: Set<number>, cutoffs: Map<string, SplitCutoff>): (row: Row & { position?: number }) => Row | null {
  switch (op.op) {
    case 'dedup-near':
      return (row) => (drops.has(row.position!) ? null : row);
    case 'dedup-exact': {
      const seen = new Set<string>();
      return (row) => {
        const key = createHash('sha256').update(normalisedText(row.content)).digest('hex');
        if (seen.has(key)) return null;
        seen.add(key);
        return row;
      };
    }
    case 'pii-redact':
    case 'pii-drop': {
      const custom = compileOrExplain(op.customPatterns);
      return (row) => {
        const content = mapText(row.content, (t) => redactPii(t, findPii(t, custom)));
        const text = serializeExample(content);
        if (text === row.text) return row;
        if (op.op === 'pii-drop') return null;
        return { ...row, content, text, hash: exampleHash(text) };
      };
    }
    case 'split':
      return (row) => {
        const stratum = stratumOf(row.source, op);
        return { ...row, split: assignSplit(splitKey(stratum, row.hash, op.seed), cutoffs.get(stratum)!) };
      };
  }
}

/**
 * Exact counts, deterministic for a seed and independent of row order: every example gets a key from the seed, its
 * stratum (its source file when stratified) and its content hash; within a stratum the examples with the smallest
 * keys make the test part, the next ones validation, the rest train, in the numbers `splitCounts` gives (what the
 * Curate dialog previews). An example keeps its split for as long as its stratum holds the same examples.
 */
interface SplitCutoff { test: string | null; validation: string | null }

const stratumOf = (source: string, op: { stratifyBy?: string }) => (op.stratifyBy === 'source' ? source.split(':')[0]! : '');
const splitKey = (stratum: string, hash: string, seed: number) => createHash('sha256').update(`${seed}\0${stratum}\0${hash}`).digest('hex').slice(0, 24);

function splitCutoffs(db: Database.Database, version: VersionRow, op: { seed: number; validation: number; test: number; stratifyBy?: string }): Map<string, SplitCutoff> {
  const q = datasetQueries(db);
  const keys = new Map<string, string[]>();
  for (let offset = 0; offset < version.example_count; offset += PAGE) {
    for (const r of q.page(version.id, offset, PAGE)) {
      const stratum = stratumOf(r.source, op);
      let list = keys.get(stratum);
      if (!list) keys.set(stratum, (list = []));
      list.push(splitKey(stratum, r.content_hash, op.seed));
    }
  }
  const cutoffs = new Map<string, SplitCutoff>();
  for (const [stratum, list] of keys) {
    list.sort();
    const n = splitCounts(list.length, op.validation, op.test);
    cutoffs.set(stratum, { test: n.test ? list[n.test - 1]! : null, validation: n.validation ? list[n.test + n.validation - 1]! : null });
  }
  return cutoffs;
}

function assignSplit(key: string, cut: SplitCutoff): Split {
  if (cut.test !== null && key <= cut.test) return 'test';
  if (cut.validation !== null && key <= cut.validation) return 'validation';
  return 'train';
}

/** Case and whitespace do not make an example different. */
function normalisedText(content: ExampleContent): string {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  if (content.kind === 'text') return norm(content.text);
  const turns = (list: ExampleMessage[], tag = '') => list.map((m) => `${tag}${m.role}:${norm(m.content)}${m.tool_calls ? `→${JSON.stringify(m.tool_calls.map((c) => c.function))}` : ''}`).join('\n');
  // A pair's sides and a KTO label are part of what makes an example different from another.
  if (content.kind === 'preference') return [turns(content.prompt), turns(content.chosen, '+'), turns(content.rejected, '-')].join('\n');
  return content.kind === 'kto' ? `${turns(content.messages)}\nlabel:${content.label}` : turns(content.messages);
}

const mapText = mapExampleTexts;

function compileOrExplain(patterns: string[]): RegExp[] {
  try {
    return compileCustomPatterns(patterns);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', (err as Error).message, 'Fix the pattern (JavaScript regular expression syntax) and run the scan again.');
  }
}

export function scanVersionForPii(db: Database.Database, versionId: string, patterns: string[], limit: number) {
  const q = datasetQueries(db);
  const version = q.versionById(versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Refresh the dataset page and pick a version.');
  const custom = compileOrExplain(patterns);
  const byKind: Record<string, number> = {};
  const hits: Array<{ position: number; kind: string; context: string }> = [];
  let withPii = 0;
  for (let offset = 0; offset < version.example_count; offset += PAGE) {
    for (const r of q.page(versionId, offset, PAGE)) {
      const content = JSON.parse(r.content) as ExampleContent;
      const texts = exampleTexts(content);
      let any = false;
      for (const t of texts) {
        for (const m of findPii(t, custom)) {
          any = true;
          byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
          if (hits.length < limit) hits.push({ position: r.position, kind: m.kind, context: `${t.slice(Math.max(0, m.start - 40), m.start)}⟦${m.text}⟧${t.slice(m.end, m.end + 40)}` });
        }
      }
      if (any) withPii += 1;
    }
  }
  return { examplesScanned: version.example_count, examplesWithPii: withPii, byKind, hits };
}

/** Multiset difference by content hash; "changed" pairs an example at the same source that got a new hash. */
