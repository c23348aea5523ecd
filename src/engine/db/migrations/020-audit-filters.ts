import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper A (audit): fill in up() or tell the coordinator it is unused. */
export const migration020: Migration = {
  version: 20,
  name: 'audit log filters',
  up() {},
};
