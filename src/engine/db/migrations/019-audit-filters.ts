import type { Migration } from './types.js';

/**
 * Indexes for the Audit page's filters (actor, object, time range), so filtering a log of millions of entries
 * reads the matching rows instead of the whole chain.
 */
export const migration019: Migration = {
  version: 19,
  name: 'audit log filter indexes',
  up(db) {
    db.exec(`
      CREATE INDEX audit_log_actor ON audit_log(actor, seq);
      CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
      CREATE INDEX audit_log_at ON audit_log(at);
    `);
  },
};
