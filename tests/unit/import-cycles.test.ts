import path from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

/**
 * No module imports itself back, through any path, type-only imports included: a cycle makes the load order
 * decide what a module sees, and makes a feature impossible to read without its neighbours. (madge walks the
 * imports with TypeScript's resolution.)
 */
describe('import graph', () => {
  it('has no cycles in src/, renderer/ or electron/', async () => {
    const root = path.resolve('.');
    const graph = await madge(['src', 'renderer', 'electron'].map((d) => path.join(root, d)), {
      fileExtensions: ['ts', 'tsx'],
      tsConfig: path.join(root, 'tsconfig.json'),
      excludeRegExp: [/node_modules/, /\.test\.tsx?$/, /\.e2e\.ts$/],
    });
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(300); // it really read the tree
    expect(graph.circular()).toEqual([]);
  }, 120_000);
});
