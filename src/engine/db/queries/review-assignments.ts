import type Database from 'better-sqlite3';

export interface AssignmentPlanRow { version_id: string; labellers: string; overlap: number; seed: number; created_by: string; created_at: string }

/** Review queues split among labellers (migration 032). */
export function assignmentQueries(db: Database.Database) {
  const plan = db.prepare<[string], AssignmentPlanRow>('SELECT * FROM review_assignment_plans WHERE version_id = ?');
  const dropPlan = db.prepare<[string]>('DELETE FROM review_assignment_plans WHERE version_id = ?');
  const dropRows = db.prepare<[string]>('DELETE FROM review_assignments WHERE version_id = ?');
  const insertPlan = db.prepare<[AssignmentPlanRow]>('INSERT INTO review_assignment_plans VALUES (@version_id, @labellers, @overlap, @seed, @created_by, @created_at)');
  const insertRow = db.prepare<[string, number, string]>('INSERT INTO review_assignments (version_id, position, labeller) VALUES (?, ?, ?)');
  const isAssigned = db.prepare<[string, number, string], number>('SELECT 1 FROM review_assignments WHERE version_id = ? AND position = ? AND labeller = ?').pluck();
  // Per labeller: examples assigned, and those among them the labeller has a verdict on.
  const progress = db.prepare<[string], { labeller: string; assigned: number; judged: number }>(
    `SELECT a.labeller, count(*) AS assigned, count(v.reviewer) AS judged
       FROM review_assignments a
       LEFT JOIN review_verdicts v ON v.version_id = a.version_id AND v.position = a.position AND v.reviewer = a.labeller
      WHERE a.version_id = ? GROUP BY a.labeller ORDER BY a.labeller`,
  );
  const doubled = db.prepare<[string], number>('SELECT count(*) FROM (SELECT position FROM review_assignments WHERE version_id = ? GROUP BY position HAVING count(*) > 1)').pluck();
  return {
    plan: (versionId: string) => plan.get(versionId),
    /** Replaces the version's plan and rows in one transaction. */
    replace: (row: AssignmentPlanRow, rows: Array<[number, string]>) =>
      db.transaction(() => {
        dropRows.run(row.version_id);
        dropPlan.run(row.version_id);
        insertPlan.run(row);
        for (const [position, labeller] of rows) insertRow.run(row.version_id, position, labeller);
      })(),
    isAssigned: (versionId: string, position: number, labeller: string) => isAssigned.get(versionId, position, labeller) === 1,
    progress: (versionId: string) => progress.all(versionId),
    doubled: (versionId: string) => doubled.get(versionId)!,
  };
}
