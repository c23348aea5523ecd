import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper H (perplexity / synthetic): fill in up() or tell the coordinator it is unused. */
export const migration021: Migration = {
  version: 21,
  name: 'held-out perplexity and synthetic follow-ups',
  up() {},
};
