import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The process boundaries of ARCHITECTURE.md are ESLint import rules (eslint.config.js), which `npm test`'s lint
 * stage applies to the whole tree. This proves the rules bite: each forbidden import, placed where it must not be,
 * is reported; the same import where it belongs is not.
 */
const eslint = new ESLint();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('process boundaries (ESLint rules)', () => {
  it('src/ never imports electron', async () => {
    for (const file of ['src/engine/x.ts', 'src/shared/x.ts', 'src/inference/x.ts', 'src/cli/x.ts']) {
      expect(await restricted(file, "import { app } from 'electron';\nexport const a = app;\n"), file).toEqual([expect.stringMatching(/Only electron\//)]);
    }
  });

  it('better-sqlite3 only under src/engine, node-llama-cpp only under src/inference', async () => {
    expect(await restricted('src/inference/host/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toHaveLength(1);
    expect(await restricted('renderer/features/x.tsx', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toHaveLength(1);
    expect(await restricted('electron/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toHaveLength(1);
    expect(await restricted('src/engine/db/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toEqual([]);
    expect(await restricted('src/engine/x.ts', "import { getLlama } from 'node-llama-cpp';\nexport const g = getLlama;\n")).toHaveLength(1);
    expect(await restricted('src/engine/x.ts', "export type T = import('@node-llama-cpp/linux-x64').X;\nimport '@node-llama-cpp/linux-x64';\n")).toHaveLength(1);
    expect(await restricted('src/inference/x.ts', "import { getLlama } from 'node-llama-cpp';\nexport const g = getLlama;\n")).toEqual([]);
  });

  it('src/shared has no Node built-ins (it runs in the sandboxed renderer too), its tests may', async () => {
    expect(await restricted('src/shared/contract/x.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).toEqual([expect.stringMatching(/no Node built-ins/)]);
    expect(await restricted('src/shared/contract/x.test.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).toEqual([]);
  });

  it('the renderer reaches the engine only through the contract', async () => {
    expect(await restricted('renderer/features/x.tsx', "import { Engine } from '../../src/engine/engine.js';\nexport const e = Engine;\n")).toHaveLength(1);
    expect(await restricted('renderer/features/x.tsx', "import type { RunSummary } from '../../src/shared/contract/index.js';\nexport type R = RunSummary;\n")).toEqual([]);
  });

  it('the renderer shows dates only through renderer/lib/format.ts (one date format)', async () => {
    const dated = async (filePath: string, code: string) =>
      (await eslint.lintText(code, { filePath }))[0]!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;
    expect(await dated('renderer/features/x.tsx', 'export const a = (iso: string) => new Date(iso).toLocaleString();\n')).toBe(1);
    expect(await dated('renderer/features/x.tsx', "export const a = (d: Date) => d.toLocaleTimeString(undefined, { timeStyle: 'short' });\n")).toBe(1);
    expect(await dated('renderer/features/x.tsx', "export const f = new Intl.DateTimeFormat('en');\n")).toBe(1);
    expect(await dated('renderer/features/x.tsx', "export const n = (v: number) => v.toLocaleString('en');\n")).toBe(0);
    expect(await dated('renderer/lib/format.ts', "export const f = new Intl.DateTimeFormat('en');\n")).toBe(0);
  });

  it('components render: only stores and feature hooks send requests to the engine (one data layer in the renderer)', async () => {
    const viaImport = "import { getClient } from '../../stores/connection.js';\nexport const load = () => getClient().send('models.list', {});\n";
    const viaStore = "import { useConnection } from '../../stores/connection.js';\nexport const load = () => useConnection.getState().client!.send('models.list', {});\n";
    const viaSelector = "import { useConnection } from '../../stores/connection.js';\nexport const useC = () => useConnection((s) => s.client);\n";
    const findings = async (filePath: string, code: string) =>
      (await eslint.lintText(code, { filePath }))[0]!.messages.filter((m) => /Components render/.test(m.message)).length;
    for (const component of ['renderer/features/models/ModelDrawer.tsx', 'renderer/features/runs/retry-prefill.ts', 'renderer/components/Modal.tsx']) {
      expect(await findings(component, viaImport), component).toBe(1);
      expect(await findings(component, viaStore), component).toBe(1);
      expect(await findings(component, viaSelector), component).toBe(1);
    }
    for (const holder of ['renderer/features/models/models-store.ts', 'renderer/features/datasets/use-version-diff.ts', 'renderer/stores/jobs.ts']) {
      expect(await findings(holder, viaImport), holder).toBe(0);
      expect(await findings(holder, viaStore), holder).toBe(0);
    }
    // The connection's state (connected, reconnecting) stays readable everywhere.
    expect(await findings('renderer/features/shell/StatusBar.tsx', "import { useConnection } from '../../stores/connection.js';\nexport const useS = () => useConnection((s) => s.status);\n")).toBe(0);
  });
});
