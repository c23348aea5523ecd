import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import { exampleContentSchema, type ExampleContent } from '../../shared/contract/features/datasets.js';
import { datasetQueries } from '../db/queries/datasets.js';

/**
 * Compare of two versions: counts by content (an example kept under another split is unchanged), and the examples
 * behind each count, paired by source (the file and row an example came from): the same source holding another
 * example is a change; a source only one side has is an addition or a removal.
 */
export function diffVersions(db: Database.Database, fromId: string, toId: string) {
  const q = requireVersions(db, fromId, toId);
  const count = (id: string) => new Map(q.hashCounts(id).map((r) => [r.content_hash, r.n]));
  const a = count(fromId);
  const b = count(toId);
  let removed = 0;
  let added = 0;
  let unchanged = 0;
  for (const [h, n] of a) {
    const m = b.get(h) ?? 0;
    unchanged += Math.min(n, m);
    removed += Math.max(0, n - m);
  }
  for (const [h, m] of b) added += Math.max(0, m - (a.get(h) ?? 0));
  const changed = q.changedCount(fromId, toId);
  // An edit shows as one removal plus one addition by hash; report it once, as a change.
  return { added: added - changed, removed: removed - changed, changed, unchanged };
}

export interface DiffItem {
  source: string;
  before: ExampleContent | null;
  after: ExampleContent | null;
}

/** One page of the examples behind the changed, added or removed count, in the newer version's order. */
export function diffExamples(
  db: Database.Database,
  args: { fromVersionId: string; toVersionId: string; kind: 'changed' | 'added' | 'removed'; offset: number; limit: number },
): { total: number; items: DiffItem[] } {
  const { fromVersionId: from, toVersionId: to, kind, offset, limit } = args;
  const q = requireVersions(db, from, to);
  const parse = (json: string) => exampleContentSchema.parse(JSON.parse(json));
  if (kind === 'changed') {
    return {
      total: q.changedCount(from, to),
      items: q.changedPage(from, to, offset, limit).map((r) => ({ source: r.source, before: parse(r.before), after: parse(r.after) })),
    };
  }
  const [mine, other] = kind === 'added' ? [to, from] : [from, to];
  return {
    total: q.onlyInCount(mine, other),
    items: q.onlyInPage(mine, other, offset, limit).map((r) => ({
      source: r.source,
      before: kind === 'removed' ? parse(r.content) : null,
      after: kind === 'added' ? parse(r.content) : null,
    })),
  };
}

function requireVersions(db: Database.Database, fromId: string, toId: string) {
  const q = datasetQueries(db);
  const versions = [fromId, toId].map((id) => {
    const v = q.versionById(id);
    if (!v) throw new LatheError('NOT_FOUND', `There is no dataset version ${id}.`, 'Pick two versions of the same dataset.');
    return v;
  });
  if (versions[0]!.dataset_id !== versions[1]!.dataset_id) {
    throw new LatheError('INVALID_ARGUMENTS', 'These two versions belong to different datasets.', 'Compare two versions of the same dataset.');
  }
  return q;
}
