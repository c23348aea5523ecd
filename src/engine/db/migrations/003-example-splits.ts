import type { Migration } from './types.js';

/** Train/validation/test membership is a property of an example within a version, set by the split step. */
export const migration003: Migration = {
  version: 3,
  name: 'example splits per version',
  up(db) {
    db.exec(`ALTER TABLE version_examples ADD COLUMN split TEXT CHECK (split IN ('train', 'validation', 'test'))`);
  },
};
