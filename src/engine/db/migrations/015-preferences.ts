import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper E (blind A/B): fill in up() or tell the coordinator it is unused. */
export const migration015: Migration = {
  version: 15,
  name: 'blind A/B preference judgements',
  up() {},
};
