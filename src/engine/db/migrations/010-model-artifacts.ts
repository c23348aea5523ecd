import type { Migration } from './types.js';

/** PLACEHOLDER owned by one helper: model conversions and exports. Fill in up(); the coordinator removes it if unused. */
export const migration010: Migration = {
  version: 10,
  name: 'model conversions and exports',
  up() {},
};
