import type { Migration } from './types.js';

/** PLACEHOLDER owned by one helper: data recipes and token counts. Fill in up(); the coordinator removes it if unused. */
export const migration009: Migration = {
  version: 9,
  name: 'data recipes and token counts',
  up() {},
};
