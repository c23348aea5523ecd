import type Database from 'better-sqlite3';
import { exampleQueries } from './datasets.js';

export interface ReviewRow {
  id: number; version_id: string; position: number; reviewer: string; action: string; before_hash: string; after_hash: string | null;
  tag: string | null; reason: string | null; undoes: number | null; at: string;
  /** Set on a verdict carried into a version made from a review: where it was given (migration 026). */
  carried_from_version?: string | null; carried_from_position?: number | null;
}
export interface VerdictRow { version_id: string; position: number; reviewer: string; verdict: 'accept' | 'reject' | 'edit' | 'skip'; after_hash: string | null; at: string }
export interface AdjudicationRow { id: number; version_id: string; position: number; verdict: 'accept' | 'reject'; adjudicator: string; reason: string; at: string }
export interface StatusRow { position: number; status: string; final_hash: string | null }
export interface FilteredRow { position: number; content_hash: string; content: string; source: string; split: 'train' | 'validation' | 'test' | null; status: string | null; final_hash: string | null }

export interface FilterSql { status?: string; tag?: string; source?: string; split?: string; ftsMatch?: string; assignedTo?: string }
/** A window of the filtered list: from a position forwards, or backwards from before one (newest first). */
export interface Window { fromPosition?: number; beforePosition?: number }

// Prepared once per connection: the review hot path (one keypress) calls these many times.
const cache = new WeakMap<Database.Database, ReturnType<typeof prepareReviewQueries>>();

export function reviewQueries(db: Database.Database) {
  let q = cache.get(db);
  if (!q) {
    q = prepareReviewQueries(db);
    cache.set(db, q);
  }
  return q;
}

function prepareReviewQueries(db: Database.Database) {
  const insert = db.prepare<Omit<ReviewRow, 'id'>>(
    `INSERT INTO reviews (version_id, position, reviewer, action, before_hash, after_hash, tag, reason, undoes, at, carried_from_version, carried_from_position)
     VALUES (@version_id, @position, @reviewer, @action, @before_hash, @after_hash, @tag, @reason, @undoes, @at, @carried_from_version, @carried_from_position)`,
  );
  const history = db.prepare<[string, number], ReviewRow & { undone: number }>(
    `SELECT r.*, EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id) AS undone
       FROM reviews r WHERE r.version_id = ? AND r.position = ? ORDER BY r.id`,
  );
  const lastUndoable = db.prepare<[string, string], ReviewRow>(
    `SELECT r.* FROM reviews r WHERE r.version_id = ? AND r.reviewer = ? AND r.action <> 'undo' AND r.carried_from_version IS NULL
        AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY r.id DESC LIMIT 1`,
  );
  const byId = db.prepare<[number], ReviewRow>('SELECT * FROM reviews WHERE id = ?');
  const deleteVerdicts = db.prepare<[string, number]>('DELETE FROM review_verdicts WHERE version_id = ? AND position = ?');
  const insertVerdict = db.prepare<[VerdictRow]>('INSERT INTO review_verdicts VALUES (@version_id, @position, @reviewer, @verdict, @after_hash, @at)');
  const verdicts = db.prepare<[string, number], VerdictRow>('SELECT * FROM review_verdicts WHERE version_id = ? AND position = ? ORDER BY reviewer');
  const deleteStatus = db.prepare<[string, number]>('DELETE FROM review_status WHERE version_id = ? AND position = ?');
  const insertStatus = db.prepare<[string, number, string, string | null]>('INSERT INTO review_status VALUES (?, ?, ?, ?)');
  const status = db.prepare<[string, number], StatusRow>('SELECT position, status, final_hash FROM review_status WHERE version_id = ? AND position = ?');
  const deleteTags = db.prepare<[string, number]>('DELETE FROM review_tags WHERE version_id = ? AND position = ?');
  const insertTag = db.prepare<[string, number, string]>('INSERT OR IGNORE INTO review_tags VALUES (?, ?, ?)');
  const tags = db.prepare<[string, number], string>('SELECT tag FROM review_tags WHERE version_id = ? AND position = ? ORDER BY tag').pluck();
  const exampleAt = db.prepare<[string, number], { content_hash: string; content: string; source: string }>(
    'SELECT e.content_hash, e.content, v.source FROM version_examples v JOIN examples e ON e.id = v.example_id WHERE v.version_id = ? AND v.position = ?',
  );
  const contentByHash = db.prepare<[string], string>('SELECT content FROM examples WHERE content_hash = ?').pluck();
  const examples = exampleQueries(db); // inserts and indexes for search together (no trigger since migration 017)
  const statusCounts = db.prepare<[string], { status: string; n: number }>('SELECT status, count(*) AS n FROM review_status WHERE version_id = ? GROUP BY status');
  const tagCounts = db.prepare<[string], { tag: string; n: number }>('SELECT tag, count(*) AS n FROM review_tags WHERE version_id = ? GROUP BY tag ORDER BY n DESC, tag');
  const adjudication = db.prepare<[string, number], AdjudicationRow>('SELECT * FROM review_adjudications WHERE version_id = ? AND position = ? ORDER BY id DESC LIMIT 1');
  const insertAdjudication = db.prepare<[Omit<AdjudicationRow, 'id'>]>('INSERT INTO review_adjudications (version_id, position, verdict, adjudicator, reason, at) VALUES (@version_id, @position, @verdict, @adjudicator, @reason, @at)');
  const allVerdicts = db.prepare<[string], { position: number; reviewer: string; verdict: string }>('SELECT position, reviewer, verdict FROM review_verdicts WHERE version_id = ? ORDER BY position, reviewer');
  // Each reviewer's tag and untag actions still in force, oldest first (the last per position, reviewer and tag wins).
  const tagActions = db.prepare<[string], { position: number; reviewer: string; tag: string; action: 'tag' | 'untag' }>(
    `SELECT r.position, r.reviewer, r.tag, r.action FROM reviews r
      WHERE r.version_id = ? AND r.action IN ('tag', 'untag') AND r.tag IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)
      ORDER BY r.id`,
  );
  const reviewerCounts = db.prepare<[string], { reviewer: string; n: number }>(
    "SELECT reviewer, count(*) AS n FROM reviews WHERE version_id = ? AND action <> 'undo' AND carried_from_version IS NULL GROUP BY reviewer ORDER BY reviewer",
  );
  const sourceCounts = db.prepare<[string], { source: string; n: number }>(
    `SELECT CASE WHEN instr(source, ':') > 0 THEN substr(source, 1, instr(source, ':') - 1) ELSE source END AS source, count(*) AS n
       FROM version_examples WHERE version_id = ? GROUP BY 1 ORDER BY n DESC, 1`,
  );
  const disagreements = db.prepare<[string, number], number>(
    "SELECT position FROM review_status WHERE version_id = ? AND status = 'disagreement' ORDER BY position LIMIT ?",
  ).pluck();
  const commentCount = db.prepare<[string, number], number>(
    "SELECT count(*) FROM reviews r WHERE version_id = ? AND position = ? AND action = 'comment' AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)",
  ).pluck();
  const allStatus = db.prepare<[string], StatusRow>('SELECT position, status, final_hash FROM review_status WHERE version_id = ?');
  const tagsOfVersion = db.prepare<[string], { position: number; tag: string }>('SELECT position, tag FROM review_tags WHERE version_id = ? ORDER BY position, tag');

  return {
    /** A curator's latest decision on an example the labellers disagree on (migration 032). */
    adjudication: (versionId: string, position: number) => adjudication.get(versionId, position),
    insertAdjudication: (row: Omit<AdjudicationRow, 'id'>) => Number(insertAdjudication.run(row).lastInsertRowid),
    /** Every reviewer's current verdict on every example of a version (for agreement). */
    allVerdicts: (versionId: string) => allVerdicts.all(versionId),
    tagActions: (versionId: string) => tagActions.all(versionId),
    insert: (row: Omit<ReviewRow, 'id'>) =>
      Number(insert.run({ ...row, carried_from_version: row.carried_from_version ?? null, carried_from_position: row.carried_from_position ?? null }).lastInsertRowid),
    history: (versionId: string, position: number) => history.all(versionId, position),
    lastUndoable: (versionId: string, reviewer: string) => lastUndoable.get(versionId, reviewer),
    byId: (id: number) => byId.get(id),
    replaceVerdicts: (versionId: string, position: number, rows: VerdictRow[]) => {
      deleteVerdicts.run(versionId, position);
      for (const r of rows) insertVerdict.run(r);
    },
    verdicts: (versionId: string, position: number) => verdicts.all(versionId, position),
    replaceStatus: (versionId: string, position: number, s: { status: string; finalHash: string | null } | null) => {
      deleteStatus.run(versionId, position);
      if (s) insertStatus.run(versionId, position, s.status, s.finalHash);
    },
    status: (versionId: string, position: number) => status.get(versionId, position),
    replaceTags: (versionId: string, position: number, list: Iterable<string>) => {
      deleteTags.run(versionId, position);
      for (const t of list) insertTag.run(versionId, position, t);
    },
    tags: (versionId: string, position: number) => tags.all(versionId, position),
    exampleAt: (versionId: string, position: number) => exampleAt.get(versionId, position),
    contentByHash: (hash: string) => contentByHash.get(hash),
    insertExample: (hash: string, content: string) => examples.insert(hash, content),
    statusCounts: (versionId: string) => statusCounts.all(versionId),
    tagCounts: (versionId: string) => tagCounts.all(versionId),
    reviewerCounts: (versionId: string) => reviewerCounts.all(versionId),
    sourceCounts: (versionId: string) => sourceCounts.all(versionId),
    disagreements: (versionId: string, limit: number) => disagreements.all(versionId, limit),
    commentCount: (versionId: string, position: number) => commentCount.get(versionId, position) ?? 0,
    allStatus: (versionId: string) => allStatus.all(versionId),
    tagsOfVersion: (versionId: string) => tagsOfVersion.all(versionId),
    /** Examples of a version joined with their review status, narrowed by the SQL-expressible filters. */
    filtered: (versionId: string, f: FilterSql, page?: { offset: number; limit: number }, w: Window = {}) => {
      const { where, params } = filterWhere(versionId, f);
      const extra: unknown[] = [];
      let bound = '';
      if (w.fromPosition !== undefined) {
        bound = ' AND v.position >= ?';
        extra.push(w.fromPosition);
      } else if (w.beforePosition !== undefined) {
        bound = ' AND v.position < ?';
        extra.push(w.beforePosition);
      }
      const order = w.beforePosition !== undefined && w.fromPosition === undefined ? 'DESC' : '';
      const tail = page ? ' LIMIT ? OFFSET ?' : '';
      return db
        .prepare<unknown[], FilteredRow>(
          `SELECT v.position, e.content_hash, e.content, v.source, v.split, s.status, s.final_hash
             FROM version_examples v JOIN examples e ON e.id = v.example_id
             LEFT JOIN review_status s ON s.version_id = v.version_id AND s.position = v.position
            WHERE ${where}${bound} ORDER BY v.position ${order}${tail}`,
        )
        .iterate(...params, ...extra, ...(page ? [page.limit, page.offset] : []));
    },
    filteredCount: (versionId: string, f: FilterSql) => {
      const { where, params } = filterWhere(versionId, f);
      return db
        .prepare<unknown[], number>(`SELECT count(*) FROM version_examples v WHERE ${where}`)
        .pluck()
        .get(...params)!;
    },
  };
}

function filterWhere(versionId: string, f: FilterSql): { where: string; params: unknown[] } {
  const clauses = ['v.version_id = ?'];
  const params: unknown[] = [versionId];
  // Status through the small review_status table (indexed by version and status), not a join over every row.
  if (f.status === 'unreviewed') {
    clauses.push('v.position NOT IN (SELECT position FROM review_status WHERE version_id = ?)');
    params.push(versionId);
  } else if (f.status) {
    clauses.push('v.position IN (SELECT position FROM review_status WHERE version_id = ? AND status = ?)');
    params.push(versionId, f.status);
  }
  if (f.split) {
    clauses.push(f.split === 'none' ? 'v.split IS NULL' : 'v.split = ?');
    if (f.split !== 'none') params.push(f.split);
  }
  if (f.source) {
    // The file part of "file:line 3"; compared exactly, so "%" or "_" in a name match only themselves.
    clauses.push("(v.source = ? OR substr(v.source, 1, length(?) + 1) = ? || ':')");
    params.push(f.source, f.source, f.source);
  }
  if (f.tag) {
    clauses.push('EXISTS (SELECT 1 FROM review_tags t WHERE t.version_id = v.version_id AND t.position = v.position AND t.tag = ?)');
    params.push(f.tag);
  }
  if (f.ftsMatch) {
    clauses.push('v.example_id IN (SELECT rowid FROM examples_fts WHERE examples_fts MATCH ?)');
    params.push(f.ftsMatch);
  }
  if (f.assignedTo !== undefined) {
    clauses.push('v.position IN (SELECT position FROM review_assignments WHERE version_id = v.version_id AND labeller = ?)');
    params.push(f.assignedTo);
  }
  return { where: clauses.join(' AND '), params };
}
