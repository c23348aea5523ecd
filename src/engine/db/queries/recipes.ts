import type Database from 'better-sqlite3';

export interface RecipeRow { id: string; name: string; description: string; tokenizer_path: string | null; tokenizer_sha: string | null; created_at: string; created_by: string }
export interface ComponentRow { recipe_id: string; position: number; version_id: string; ratio: number; kind: 'chat' | 'text'; examples: number; tokens: number | null }
export interface ComponentView extends ComponentRow { dataset_name: string; version_number: number; content_hash: string }

export function tokenCountQueries(db: Database.Database) {
  const get = db.prepare<[string, string], number>('SELECT tokens FROM token_counts WHERE tokenizer_sha = ? AND content_hash = ?').pluck();
  const put = db.prepare<[string, string, number]>('INSERT OR IGNORE INTO token_counts VALUES (?, ?, ?)');
  const putMany = db.transaction((sha: string, rows: Array<[string, number]>) => {
    for (const [hash, n] of rows) put.run(sha, hash, n);
  });
  const cachedCount = db.prepare<[string], number>('SELECT count(*) FROM token_counts WHERE tokenizer_sha = ?').pluck();
  return {
    get: (sha: string, hash: string) => get.get(sha, hash),
    putMany: (sha: string, rows: Array<[string, number]>) => void putMany(sha, rows),
    cachedCount: (sha: string) => cachedCount.get(sha) ?? 0,
  };
}

export function recipeQueries(db: Database.Database) {
  const insert = db.prepare<[RecipeRow]>('INSERT INTO recipes VALUES (@id, @name, @description, @tokenizer_path, @tokenizer_sha, @created_at, @created_by)');
  const insertComponent = db.prepare<[ComponentRow]>('INSERT INTO recipe_components VALUES (@recipe_id, @position, @version_id, @ratio, @kind, @examples, @tokens)');
  const byId = db.prepare<[string], RecipeRow>('SELECT * FROM recipes WHERE id = ?');
  const byName = db.prepare<[string], RecipeRow>('SELECT * FROM recipes WHERE name = ?');
  const list = db.prepare<[], RecipeRow>('SELECT * FROM recipes ORDER BY created_at DESC, name');
  const components = db.prepare<[string], ComponentView>(
    `SELECT c.*, d.name AS dataset_name, v.number AS version_number, v.content_hash
       FROM recipe_components c JOIN dataset_versions v ON v.id = c.version_id JOIN datasets d ON d.id = v.dataset_id
      WHERE c.recipe_id = ? ORDER BY c.position`,
  );
  return {
    insert: (row: RecipeRow, parts: ComponentRow[]) => {
      insert.run(row);
      for (const p of parts) insertComponent.run(p);
    },
    byId: (id: string) => byId.get(id),
    byName: (name: string) => byName.get(name),
    list: () => list.all(),
    components: (id: string) => components.all(id),
  };
}
