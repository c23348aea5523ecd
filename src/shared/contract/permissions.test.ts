import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { handlerSpecs } from './index.js';
import { HANDLER_ACCESS, handlerAccess } from './permissions.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './roles.js';

/**
 * The access map covers the contract exactly, and declares every argument that names a file or folder on the engine's
 * machine (the engine confines those in browser/team mode; an undeclared one would slip past the check).
 */

/** String fields of an arguments schema whose names look like paths, as dotted paths (`filter.tokenizerPath`). */
function pathLikeFields(schema: z.ZodType): string[] {
  const out = new Set<string>();
  const walk = (s: unknown, at: string) => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return;
    switch (def.type) {
      case 'object':
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) walk(v, at ? `${at}.${k}` : k);
        return;
      case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
        return walk(def.innerType, at);
      case 'pipe':
        return walk(def.in, at);
      case 'array':
        return walk(def.element, `${at}[]`);
      case 'union':
        for (const o of def.options as unknown[]) walk(o, at);
        return;
      case 'string':
        if (/(path|dir|folder|file)s?(\[\])?$/i.test(at.split('.').pop() ?? '')) out.add(at);
        return;
    }
  };
  walk(schema, '');
  return [...out].sort();
}

/** Path-like names that are not paths on the engine's machine, each with the reason. */
const NOT_PATHS: Record<string, string> = {
  'gate.check artefact.file': 'a file name matched against the files an export recorded, never opened as given',
  'gate.release artefact.file': 'the same',
  'gate.override artefact.file': 'the same',
  'exports.download file': 'the same: only a file the export recorded (or its SHA256SUMS), resolved inside the export folder (export-download.test.ts)',
  'targets.add workDir': "a folder on the compute target, reached over SSH as the target's user; never opened on the engine's machine",
};

describe('the access map (src/shared/contract/permissions.ts)', () => {
  it('has exactly one entry per handler of the contract', () => {
    const handlers = Object.keys(handlerSpecs).sort();
    expect(Object.keys(HANDLER_ACCESS).sort()).toEqual(handlers);
    for (const name of handlers) expect(PERMISSIONS, name).toContain(handlerAccess(name)!.needs);
    expect(handlerAccess('no.such')).toBeUndefined();
    expect(handlerAccess('constructor')).toBeUndefined();
  });

  it('declares every path-like argument of every handler, and declares nothing that is not an argument', () => {
    const found = new Set<string>();
    for (const [name, spec] of Object.entries(handlerSpecs)) {
      const fields = pathLikeFields(spec.args);
      for (const f of fields) {
        found.add(`${name} ${f}`);
        if (NOT_PATHS[`${name} ${f}`]) continue;
        expect(handlerAccess(name)!.paths ?? [], `${name}: argument "${f}" looks like a path; declare it in HANDLER_ACCESS (or NOT_PATHS with the reason)`).toContain(f);
      }
      for (const declared of handlerAccess(name)!.paths ?? []) expect(fields, `${name}: declared path "${declared}" is not an argument`).toContain(declared);
    }
    for (const k of Object.keys(NOT_PATHS)) expect(found, k).toContain(k);
    // The walk itself finds what it should: the known path arguments.
    expect(found).toContain('datasets.import path');
    expect(found).toContain('datasets.filter filter.tokenizerPath');
    expect(found).toContain('runs.start baseModelDir');
  });

  it('roles: every role reads, admin holds every permission, and no two roles are the same', () => {
    for (const r of ROLES) expect(ROLE_PERMISSIONS[r], r).toContain('read');
    expect([...ROLE_PERMISSIONS.admin].sort()).toEqual([...PERMISSIONS].sort());
    const sets = ROLES.map((r) => [...ROLE_PERMISSIONS[r]].sort().join(','));
    expect(new Set(sets).size).toBe(ROLES.length);
    // Every permission is needed by some handler, so none is decoration.
    for (const p of PERMISSIONS) expect(Object.values(HANDLER_ACCESS).some((a) => a.needs === p), p).toBe(true);
  });
});
