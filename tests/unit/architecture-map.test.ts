/**
 * ARCHITECTURE.md is the living map of the code, so it must keep up with the folders: every top-level folder of
 * src/, src/engine/, src/shared/, renderer/ and every subpackage of the trainer must be named in it by its path in
 * backticks (`src/engine/datasets/`), and every repository path it names must still exist. Reads files only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** Build outputs and caches: never part of the map. Hidden folders (.vite, .cache …) are skipped too. */
const NOT_SOURCE = new Set(['node_modules', 'dist', 'build', 'out', 'test-artifacts', '__pycache__']);
/** A backticked path is checked for existence when it starts at one of these repository folders. */
const REPO_ROOTS = new Set(['src', 'renderer', 'resources', 'electron', 'tests', 'bench', 'scripts', '.ci']);

/** `rel`'s subfolders as `rel/name/`, optionally only those `keep` accepts. */
function folders(rel: string, keep: (abs: string) => boolean = () => true): string[] {
  return fs
    .readdirSync(path.join(ROOT, rel), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_SOURCE.has(e.name))
    .filter((e) => keep(path.join(ROOT, rel, e.name)))
    .map((e) => `${rel}/${e.name}/`)
    .sort();
}

/** Every folder the map must mention. */
function requiredFolders(): string[] {
  const isPythonPackage = (abs: string) => fs.existsSync(path.join(abs, '__init__.py'));
  return [
    ...folders('src'),
    ...folders('src/engine'),
    ...folders('src/shared'),
    ...folders('renderer'),
    ...folders('resources/trainer/lathe_trainer', isPythonPackage),
  ];
}

/** Backticked single tokens that are repository paths (no spaces, no placeholders like <page> or *). */
function repoPaths(text: string): string[] {
  const found = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  return [...new Set(found.filter((p) => p.includes('/') && REPO_ROOTS.has(p.split('/')[0]!) && !/[<>*{}|$]/.test(p)))];
}

/** The "## Code map" section, up to the next second-level heading. */
function codeMap(): string {
  const start = DOC.search(/^## Code map\s*$/m);
  if (start < 0) return '';
  const rest = DOC.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

function missingOnDisk(paths: string[]): string[] {
  return paths.filter((p) => {
    const abs = path.join(ROOT, p);
    if (!fs.existsSync(abs)) return true;
    return p.endsWith('/') && !fs.statSync(abs).isDirectory();
  });
}

describe('ARCHITECTURE.md keeps up with the code', () => {
  it('mentions every top-level folder of src/, src/engine/, src/shared/, renderer/ and the trainer package', () => {
    const required = requiredFolders();
    expect(required.length).toBeGreaterThan(20); // the walk itself works
    const unmentioned = required.filter((f) => !DOC.includes(`\`${f}\``) && !DOC.includes(`\`${f.slice(0, -1)}\``));
    expect(unmentioned, `ARCHITECTURE.md does not mention these folders; add each to its code map, in backticks: ${unmentioned.join(', ')}`).toEqual([]);
  });

  it('names only paths that exist in its code map', () => {
    const section = codeMap();
    expect(section, 'ARCHITECTURE.md has no "## Code map" section').not.toBe('');
    const paths = repoPaths(section);
    expect(paths.length).toBeGreaterThan(30); // the section was found and parsed
    const gone = missingOnDisk(paths);
    expect(gone, `ARCHITECTURE.md's code map names paths that no longer exist; update or remove them: ${gone.join(', ')}`).toEqual([]);
  });

  it('names only paths that exist in the rest of the document', () => {
    const gone = missingOnDisk(repoPaths(DOC.replace(codeMap(), '')));
    expect(gone, `ARCHITECTURE.md names paths that no longer exist; update or remove them: ${gone.join(', ')}`).toEqual([]);
  });

  it('names each renderer feature as the contract names it (the same feature names in the interface and the engine)', () => {
    const contract = new Set(fs.readdirSync(path.join(ROOT, 'src/shared/contract/features')).map((f) => f.replace(/\.ts$/, '')));
    expect(contract.has('runs') && contract.has('evals')).toBe(true); // the walk itself works
    // The shell (sidebar, status bar, jobs drawer) is the interface's own frame and drives no engine feature.
    const features = folders('renderer/features').map((f) => f.split('/')[2]!).filter((name) => name !== 'shell');
    const unnamed = features.filter((name) => !contract.has(name));
    expect(unnamed, `renderer/features/ folders with no src/shared/contract/features/<name>.ts: ${unnamed.join(', ')}`).toEqual([]);
  });
});
