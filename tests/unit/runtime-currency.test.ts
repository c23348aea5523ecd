import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_NODE_VERSION } from '../../scripts/bundle/bundle-manifest.js';

/**
 * Runtime currency (issue 16): Electron within upstream's support window and a supported Node LTS in the offline
 * bundle, against the support table recorded in scripts/bundle/runtime-support.json (updated when a release is
 * cut; the test reads no network and no clock). better-sqlite3 must declare support for the bundled Node too.
 */
const support = JSON.parse(fs.readFileSync('scripts/bundle/runtime-support.json', 'utf8')) as {
  electron: { supportedMajors: number[] };
  node: { supportedLtsMajors: number[] };
};
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
const major = (version: string) => Number(/(\d+)\./.exec(version)![1]);

describe('runtime currency', () => {
  it('pins an Electron major that upstream still supports', () => {
    expect(support.electron.supportedMajors).toContain(major(pkg.devDependencies.electron!));
  });

  it('bundles a Node LTS line in support, which better-sqlite3 declares it runs on', () => {
    const nodeMajor = major(BUNDLE_NODE_VERSION);
    expect(support.node.supportedLtsMajors).toContain(nodeMajor);
    const engines = JSON.parse(fs.readFileSync('node_modules/better-sqlite3/package.json', 'utf8')).engines.node as string;
    expect(engines.split('||').map((r) => r.trim())).toContain(`${nodeMajor}.x`);
    expect(pkg.dependencies['better-sqlite3']).toBe(JSON.parse(fs.readFileSync('node_modules/better-sqlite3/package.json', 'utf8')).version);
  });
});
