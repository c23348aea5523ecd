import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string, exts = ['.ts', '.tsx']): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && exts.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath, e.name));
}
const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]!);

describe('process boundaries (DESIGN.md)', () => {
  it('src/ never imports electron', () => {
    for (const f of files('src')) expect(importsOf(f), f).not.toContain('electron');
  });
  it('native modules are imported only in the hosts', () => {
    const allowed = { 'better-sqlite3': ['src/engine/'], 'node-llama-cpp': ['src/inference/'] } as const;
    for (const f of [...files('src'), ...files('renderer'), ...files('electron')]) {
      for (const [mod, dirs] of Object.entries(allowed)) {
        if (importsOf(f).includes(mod)) expect(dirs.some((d) => f.startsWith(d)), `${f} imports ${mod}`).toBe(true);
      }
    }
  });
  it('src/shared has no node:, electron or DOM-only imports', () => {
    for (const f of files('src/shared').filter((f) => !f.endsWith('.test.ts'))) {
      for (const i of importsOf(f)) expect(i.startsWith('node:') || i === 'electron', `${f} imports ${i}`).toBe(false);
    }
  });
});
