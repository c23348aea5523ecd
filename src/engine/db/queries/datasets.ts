import type Database from 'better-sqlite3';

export interface DatasetRow { id: string; name: string; kind: 'task' | 'documents'; created_at: string; created_by: string }
export interface ExamplePageRow { position: number; content_hash: string; content: string; source: string; split: 'train' | 'validation' | 'test' | null }
export interface VersionRow {
  id: string; dataset_id: string; number: number; parent_id: string | null; content_hash: string; example_count: number;
  operation: string; params: string; created_at: string; created_by: string;
}

/**
 * The text full-text search indexes for an example, in SQL, from its content JSON: the fallback where the
 * writer did not compute it (searchText() in datasets/content-hash.ts is the JS twin; a test keeps them equal).
 */
export const exampleSearchSql = (content: string) =>
  `coalesce(${content} ->> '$.text', (SELECT group_concat(value ->> '$.content', char(10)) FROM (${['messages', 'prompt', 'chosen', 'rejected'].map((f) => `SELECT value FROM json_each(${content}, '$.${f}')`).join(' UNION ALL ')})))`;

/**
 * The id the next new example gets, less one: above every example and every id range still waiting for the search
 * index (search_backlog), so a range is never shared with a later example and nothing is indexed twice.
 */
const lastExampleIdSql = `max(coalesce((SELECT max(id) FROM examples), 0), coalesce((SELECT max(last_id) FROM search_backlog), 0))`;

/**
 * The one place that inserts single examples. Since migration 017 no trigger indexes examples for search:
 * every INSERT into `examples` lives in this file, next to its FTS insert (or, for imports, its search_backlog row).
 */
export function exampleQueries(db: Database.Database) {
  const insert = db.prepare<[string, string]>(`INSERT OR IGNORE INTO examples (id, content_hash, content) VALUES ((SELECT ${lastExampleIdSql}) + 1, ?, ?)`);
  const index = db.prepare<[{ id: number; content: string }]>(`INSERT INTO examples_fts (rowid, text) VALUES (@id, ${exampleSearchSql('@content')})`);
  return {
    /** Adds the example if its content is new, and indexes it for search; known content is left as it is. */
    insert: (hash: string, content: string) => {
      const r = insert.run(hash, content);
      if (r.changes) index.run({ id: Number(r.lastInsertRowid), content });
    },
  };
}

/** Staging happens in a TEMP table of the importing connection: nothing touches the library until commit. */
export function stagingQueries(db: Database.Database) {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS staged (position INTEGER PRIMARY KEY, content_hash TEXT NOT NULL, content TEXT NOT NULL, source TEXT NOT NULL, split TEXT, search TEXT)`);
  db.exec('DELETE FROM temp.staged');
  const insert = db.prepare<[number, string, string, string, string | null, string | null]>('INSERT INTO temp.staged VALUES (?, ?, ?, ?, ?, ?)');
  // A version's hash covers each example's content and, once split, its split: re-splitting is a new version.
  const hashes = db.prepare<[], string>("SELECT content_hash || coalesce(':' || split, '') FROM temp.staged ORDER BY position").pluck();
  const maxId = db.prepare<[], number>(`SELECT ${lastExampleIdSql}`).pluck();
  const stagedCount = db.prepare<[], number>('SELECT count(*) FROM temp.staged').pluck();
  const queueForSearch = db.prepare<[number, number]>('INSERT INTO search_backlog (first_id, last_id) VALUES (?, ?)');
  // A new example gets the id base + position + 1 (base: the largest id before this commit), so the search
  // index and the version's links find it by rowid instead of by a lookup of its hash in the unique index.
  // Content already in the library (or earlier in the same batch) is ignored and linked by hash.
  const insertExamples = db.prepare<[number]>('INSERT OR IGNORE INTO examples (id, content_hash, content) SELECT ? + position + 1, content_hash, content FROM temp.staged ORDER BY position');
  const indexNew = db.prepare<[{ base: number }]>(
    `INSERT INTO examples_fts (rowid, text)
     SELECT @base + s.position + 1, coalesce(s.search, ${exampleSearchSql('s.content')}) FROM temp.staged s
      WHERE EXISTS (SELECT 1 FROM examples e WHERE e.id = @base + s.position + 1) ORDER BY s.position`,
  );
  const link = db.prepare<[{ versionId: string; offset: number; base: number }]>(
    `INSERT INTO version_examples (version_id, position, example_id, source, split)
     SELECT @versionId, s.position + @offset,
            coalesce((SELECT e.id FROM examples e WHERE e.id = @base + s.position + 1), (SELECT e.id FROM examples e WHERE e.content_hash = s.content_hash)),
            s.source, s.split
       FROM temp.staged s ORDER BY s.position`,
  );
  let base: number | null = null;
  // Rows are buffered and written in batches inside one transaction each: autocommitting every row of a
  // temp table costs about ten times more.
  const buffer: Array<[number, string, string, string, string | null, string | null]> = [];
  const flushTx = db.transaction(() => {
    for (const row of buffer) insert.run(...row);
  });
  const flush = () => {
    if (buffer.length) flushTx();
    buffer.length = 0;
  };
  return {
    /** `search`: the example's search text when the caller has it at hand (imports); else SQL derives it. */
    stage: (position: number, hash: string, content: string, source: string, split: string | null = null, search: string | null = null) => {
      buffer.push([position, hash, content, source, split, search]);
      if (buffer.length >= 5000) flush();
    },
    flush,
    stagedHashes: () => hashes.iterate() as IterableIterator<string>,
    /**
     * Inside the commit transaction: new examples into the library and the search index. `deferSearch` (imports):
     * the id range goes to search_backlog instead, and the SearchIndexer indexes it after the commit.
     */
    insertStagedExamples: (options: { deferSearch?: boolean } = {}) => {
      base = maxId.get() ?? 0;
      const added = insertExamples.run(base).changes;
      if (!options.deferSearch) indexNew.run({ base });
      else if (added > 0) queueForSearch.run(base + 1, base + stagedCount.get()!);
    },
    /** Inside the same transaction, after insertStagedExamples: the version's ordered links to its examples. */
    linkStaged: (versionId: string, offset: number) => {
      if (base === null) throw new Error('linkStaged before insertStagedExamples');
      link.run({ versionId, offset, base });
    },
    drop: () => db.exec('DROP TABLE IF EXISTS temp.staged'),
  };
}

export interface DiffPairRow {
  source: string;
  before: string;
  after: string;
}

export function datasetQueries(db: Database.Database) {
  const byName = db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE name = ?');
  const insertDataset = db.prepare<[DatasetRow]>('INSERT INTO datasets VALUES (@id, @name, @kind, @created_at, @created_by)');
  const latest = db.prepare<[string], VersionRow>('SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC LIMIT 1');
  const insertVersion = db.prepare<[VersionRow]>(
    'INSERT INTO dataset_versions VALUES (@id, @dataset_id, @number, @parent_id, @content_hash, @example_count, @operation, @params, @created_at, @created_by)',
  );
  const copyParent = db.prepare<[string, string]>('INSERT INTO version_examples (version_id, position, example_id, source, split) SELECT ?, position, example_id, source, split FROM version_examples WHERE version_id = ?');
  const parentHashes = db.prepare<[string], { content_hash: string }>(
    "SELECT e.content_hash || coalesce(':' || v.split, '') AS content_hash FROM version_examples v JOIN examples e ON e.id = v.example_id WHERE v.version_id = ? ORDER BY v.position",
  );
  const insertImport = db.prepare(
    `INSERT INTO imports VALUES (@id, @dataset_id, @version_id, @source_path, @source_sha256, @source_bytes, @format,
      @rows_imported, @rows_rejected, @rejects_path, @duration_ms, @created_at)`,
  );
  const versionById = db.prepare<[string], VersionRow>('SELECT * FROM dataset_versions WHERE id = ?');
  const datasetById = db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE id = ?');
  const hashCounts = db.prepare<[string], { content_hash: string; n: number }>(
    'SELECT e.content_hash, count(*) AS n FROM version_examples v JOIN examples e ON e.id = v.example_id WHERE v.version_id = ? GROUP BY e.content_hash',
  );
  // No ORDER BY: it would make SQLite read every match before the LIMIT (165 ms p95 at 200k rows in the
  // bench); FTS returns matches in example-id order, which is import order. Callers sort the page.
  const search = db.prepare<[string, string, number], ExamplePageRow>(
    `SELECT v.position, e.content_hash, e.content, v.source, v.split
       FROM examples_fts f JOIN version_examples v ON v.example_id = f.rowid JOIN examples e ON e.id = v.example_id
      WHERE examples_fts MATCH ? AND v.version_id = ? LIMIT ?`,
  );
  const list = db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY created_at DESC, name');
  const versions = db.prepare<[string], VersionRow>('SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC');
  const countExamples = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM version_examples WHERE version_id = ?');
  const page = db.prepare<[string, number, number], ExamplePageRow>(
    `SELECT v.position, e.content_hash, e.content, v.source, v.split FROM version_examples v JOIN examples e ON e.id = v.example_id
     WHERE v.version_id = ? AND v.position >= ? ORDER BY v.position LIMIT ?`,
  );
  // Between two versions of one dataset, examples pair up by source (file and row): same source with another
  // example is a change; a source only one side has is an addition or a removal.
  const changedCount = db.prepare<[string, string], { n: number }>(
    `SELECT count(*) AS n FROM version_examples x JOIN version_examples y ON y.version_id = ? AND y.source = x.source
     WHERE x.version_id = ? AND x.example_id <> y.example_id`,
  );
  const changedPage = db.prepare<[string, string, number, number], DiffPairRow>(
    `SELECT y.source, ex.content AS before, ey.content AS after
     FROM version_examples x JOIN version_examples y ON y.version_id = ? AND y.source = x.source
     JOIN examples ex ON ex.id = x.example_id JOIN examples ey ON ey.id = y.example_id
     WHERE x.version_id = ? AND x.example_id <> y.example_id ORDER BY y.position LIMIT ? OFFSET ?`,
  );
  const onlyInCount = db.prepare<[string, string], { n: number }>(
    `SELECT count(*) AS n FROM version_examples a
     WHERE a.version_id = ? AND NOT EXISTS (SELECT 1 FROM version_examples b WHERE b.version_id = ? AND b.source = a.source)`,
  );
  const onlyInPage = db.prepare<[string, string, number, number], { source: string; content: string }>(
    `SELECT a.source, e.content FROM version_examples a JOIN examples e ON e.id = a.example_id
     WHERE a.version_id = ? AND NOT EXISTS (SELECT 1 FROM version_examples b WHERE b.version_id = ? AND b.source = a.source)
     ORDER BY a.position LIMIT ? OFFSET ?`,
  );
  return {
    byName: (name: string) => byName.get(name),
    insertDataset: (row: DatasetRow) => void insertDataset.run(row),
    latestVersion: (datasetId: string) => latest.get(datasetId),
    insertVersion: (row: VersionRow) => void insertVersion.run(row),
    copyParentExamples: (versionId: string, parentId: string) => void copyParent.run(versionId, parentId),
    parentHashes: (versionId: string) => parentHashes.iterate(versionId),
    insertImport: (row: Record<string, unknown>) => void insertImport.run(row),
    list: () => list.all(),
    search: (match: string, versionId: string, limit: number) => search.all(match, versionId, limit),
    versionById: (id: string) => versionById.get(id),
    datasetById: (id: string) => datasetById.get(id),
    hashCounts: (versionId: string) => hashCounts.all(versionId),
    versions: (datasetId: string) => versions.all(datasetId),
    countExamples: (versionId: string) => countExamples.get(versionId)?.n ?? 0,
    page: (versionId: string, offset: number, limit: number) => page.all(versionId, offset, limit),
    changedCount: (fromId: string, toId: string) => changedCount.get(toId, fromId)?.n ?? 0,
    changedPage: (fromId: string, toId: string, offset: number, limit: number) => changedPage.all(toId, fromId, limit, offset),
    /** Examples of `versionId` whose source `otherId` does not have. */
    onlyInCount: (versionId: string, otherId: string) => onlyInCount.get(versionId, otherId)?.n ?? 0,
    onlyInPage: (versionId: string, otherId: string, offset: number, limit: number) => onlyInPage.all(versionId, otherId, limit, offset),
  };
}
