import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper C (eval task types / judge): fill in up() or tell the coordinator it is unused. */
export const migration014: Migration = {
  version: 14,
  name: 'eval task types, judge verdicts',
  up() {},
};
