import type Database from 'better-sqlite3';
import { exampleContentSchema, type ExampleContent } from '../../shared/contract/features/datasets.js';
import type { ExampleFilter, ReviewedExample, ReviewStatus } from '../../shared/contract/features/review.js';
import { reviewQueries, type FilteredRow, type Window } from '../db/queries/review.js';
import { ftsQuery } from './fts-query.js';
import { DEFAULT_MINHASH, nearDuplicateClusters } from './minhash.js';
import { findPii } from './pii.js';
import { reviewState } from './review.js';
import { requireVersion, versionRows } from './version-writer.js';
import { exampleText, exampleTexts } from '../../shared/datasets/example-text.js';

export { exampleText };

/**
 * Near-duplicate clusters per version, computed once (a version never changes, so the answer never goes stale)
 * and kept for the few versions someone is reviewing.
 */
export class ClusterCache {
  private readonly byVersion = new Map<string, Map<number, number>>();

  clusters(db: Database.Database, versionId: string): Map<number, number> {
    const hit = this.byVersion.get(versionId);
    if (hit) return hit;
    const version = requireVersion(db, versionId);
    const positions: number[] = [];
    const texts = (function* () {
      for (const r of versionRows(db, version)) {
        positions.push(r.position);
        yield exampleText(JSON.parse(r.content) as ExampleContent);
      }
    })();
    const map = new Map<number, number>();
    nearDuplicateClusters(texts, DEFAULT_MINHASH).forEach((members, i) => members.forEach((m) => map.set(positions[m]!, i + 1)));
    this.byVersion.set(versionId, map);
    if (this.byVersion.size > 4) this.byVersion.delete(this.byVersion.keys().next().value!);
    return map;
  }
}

/**
 * One page of a version's examples through the filters. Status, tag, source, split and search are SQL; PII and
 * duplicate membership need the text, so with those the rows stream through a predicate and are counted here.
 */
export function filteredExamples(db: Database.Database, cache: ClusterCache, versionId: string, filter: ExampleFilter, offset: number, limit: number, window: Window = {}) {
  requireVersion(db, versionId);
  const q = reviewQueries(db);
  const sql = { status: filter.status, tag: filter.tag, source: filter.source, split: filter.split, ftsMatch: filter.search ? ftsQuery(filter.search) : undefined, assignedTo: filter.assignedTo };
  const clusters = filter.duplicates !== undefined ? cache.clusters(db, versionId) : null;
  const predicate = (r: FilteredRow): boolean => {
    if (clusters && clusters.has(r.position) !== filter.duplicates) return false;
    if (filter.pii !== undefined) {
      const content = JSON.parse(r.content) as ExampleContent;
      const has = exampleTexts(content).some((t) => findPii(t).length > 0);
      if (has !== filter.pii) return false;
    }
    return true;
  };
  let total: number;
  let page: FilteredRow[];
  const windowed = window.fromPosition !== undefined || window.beforePosition !== undefined;
  if (filter.pii === undefined && filter.duplicates === undefined) {
    total = q.filteredCount(versionId, sql);
    page = [...q.filtered(versionId, sql, { offset, limit }, window)];
  } else {
    total = 0;
    page = [];
    const inWindow = (p: number) => (window.fromPosition !== undefined ? p >= window.fromPosition : window.beforePosition !== undefined ? p < window.beforePosition : true);
    let skipped = 0;
    for (const r of q.filtered(versionId, sql)) {
      if (!predicate(r)) continue;
      total += 1;
      if (!inWindow(r.position)) continue;
      if (skipped < offset && !windowed) {
        skipped += 1;
        continue;
      }
      page.push(r);
    }
    // Backwards windows keep the last `limit` before the bound, newest first, like the SQL path.
    page = window.beforePosition !== undefined && window.fromPosition === undefined ? page.slice(-limit).reverse() : page.slice(windowed ? offset : 0, (windowed ? offset : 0) + limit);
  }
  return { total, examples: page.map((r) => toReviewed(db, versionId, r, clusters)) };
}

function toReviewed(db: Database.Database, versionId: string, r: FilteredRow, clusters: Map<number, number> | null): ReviewedExample {
  const q = reviewQueries(db);
  const editedText = r.status === 'edited' && r.final_hash ? q.contentByHash(r.final_hash) : undefined;
  return {
    position: r.position,
    contentHash: r.content_hash,
    content: exampleContentSchema.parse(JSON.parse(r.content)),
    source: r.source,
    split: r.split,
    status: (r.status ?? 'unreviewed') as ReviewStatus,
    edited: editedText ? exampleContentSchema.parse(JSON.parse(editedText)) : null,
    tags: q.tags(versionId, r.position),
    cluster: clusters?.get(r.position) ?? null,
  };
}

/** Per-source counts never change for a version (it is immutable), so they are counted once per engine. */
export class SourceCountCache {
  private readonly byVersion = new Map<string, Array<{ source: string; count: number }>>();

  get(db: Database.Database, versionId: string) {
    let hit = this.byVersion.get(versionId);
    if (!hit) {
      hit = reviewQueries(db).sourceCounts(versionId).map((s) => ({ source: s.source, count: s.n }));
      this.byVersion.set(versionId, hit);
      if (this.byVersion.size > 16) this.byVersion.delete(this.byVersion.keys().next().value!);
    }
    return hit;
  }
}

export function reviewSummary(db: Database.Database, versionId: string, sources: SourceCountCache = new SourceCountCache()) {
  const version = requireVersion(db, versionId);
  const q = reviewQueries(db);
  const byStatus: Record<ReviewStatus, number> = { unreviewed: 0, accepted: 0, rejected: 0, edited: 0, skipped: 0, disagreement: 0 };
  let reviewed = 0;
  for (const s of q.statusCounts(versionId)) {
    byStatus[s.status as ReviewStatus] = s.n;
    reviewed += s.n;
  }
  byStatus.unreviewed = version.example_count - reviewed;
  return {
    total: version.example_count,
    byStatus,
    tags: q.tagCounts(versionId).map((t) => ({ tag: t.tag, count: t.n })),
    reviewers: q.reviewerCounts(versionId).map((r) => ({ reviewer: r.reviewer, actions: r.n })),
    sources: sources.get(db, versionId),
  };
}

export function reviewDisagreements(db: Database.Database, versionId: string, limit: number) {
  requireVersion(db, versionId);
  const q = reviewQueries(db);
  const total = q.statusCounts(versionId).find((s) => s.status === 'disagreement')?.n ?? 0;
  return { total, items: q.disagreements(versionId, limit).map((p) => reviewState(db, versionId, p)) };
}
