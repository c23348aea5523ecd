import type Database from 'better-sqlite3';

export interface DatasetRow { id: string; name: string; kind: 'task' | 'documents'; created_at: string; created_by: string }
export interface ExamplePageRow { position: number; content_hash: string; content: string; source: string; split: 'train' | 'validation' | 'test' | null }
export interface VersionRow {
  id: string; dataset_id: string; number: number; parent_id: string | null; content_hash: string; example_count: number;
  operation: string; params: string; created_at: string; created_by: string;
}

/** Staging happens in a TEMP table of the importing connection: nothing touches the library until commit. */
export function stagingQueries(db: Database.Database) {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS staged (position INTEGER PRIMARY KEY, content_hash TEXT NOT NULL, content TEXT NOT NULL, source TEXT NOT NULL, split TEXT)`);
  db.exec('DELETE FROM temp.staged');
  const insert = db.prepare<[number, string, string, string, string | null]>('INSERT INTO temp.staged VALUES (?, ?, ?, ?, ?)');
  // A version's hash covers each example's content and, once split, its split: re-splitting is a new version.
  const hashes = db.prepare<[], string>("SELECT content_hash || coalesce(':' || split, '') FROM temp.staged ORDER BY position").pluck();
  const insertExamples = db.prepare('INSERT OR IGNORE INTO examples (content_hash, content) SELECT content_hash, content FROM temp.staged ORDER BY position');
  const link = db.prepare<[string, number]>(
    `INSERT INTO version_examples (version_id, position, example_id, source, split)
     SELECT ?, s.position + ?, e.id, s.source, s.split FROM temp.staged s JOIN examples e ON e.content_hash = s.content_hash`,
  );
  // Rows are buffered and written in batches inside one transaction each: autocommitting every row of a
  // temp table costs about ten times more.
  const buffer: Array<[number, string, string, string, string | null]> = [];
  const flushTx = db.transaction(() => {
    for (const row of buffer) insert.run(...row);
  });
  const flush = () => {
    if (buffer.length) flushTx();
    buffer.length = 0;
  };
  return {
    stage: (position: number, hash: string, content: string, source: string, split: string | null = null) => {
      buffer.push([position, hash, content, source, split]);
      if (buffer.length >= 5000) flush();
    },
    flush,
    stagedHashes: () => hashes.iterate() as IterableIterator<string>,
    insertStagedExamples: () => void insertExamples.run(),
    linkStaged: (versionId: string, offset: number) => void link.run(versionId, offset),
    drop: () => db.exec('DROP TABLE IF EXISTS temp.staged'),
  };
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
  };
}
