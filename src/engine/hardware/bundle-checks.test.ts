import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { cachedLlamaTools, ensureLlamaTools, prebuiltLlamaTools } from '../models/llama-tools.js';
import { bundleChecks } from './bundle-checks.js';

/** The parts of an installed bundle doctor looks at, as real files (the full bundle is tested in tests/bundle/). */
function fakeBundle(opts: { tools?: boolean; sbom?: boolean } = {}): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'BUNDLE.json'), JSON.stringify({ version: '9.9.9', builtAt: '2026-12-02T10:00:00Z', gitCommit: 'abcdef1234567', sbom: ['sbom/npm.cdx.json', 'sbom/python.cdx.json'] }));
  fs.mkdirSync(path.join(dir, 'sbom'));
  if (opts.sbom !== false) for (const f of ['npm.cdx.json', 'python.cdx.json']) fs.writeFileSync(path.join(dir, 'sbom', f), '{}');
  fs.mkdirSync(path.join(dir, 'llama-tools', 'bin'), { recursive: true });
  if (opts.tools !== false) for (const f of ['llama-quantize', 'llama-bench']) fs.writeFileSync(path.join(dir, 'llama-tools', 'bin', f), '#!/bin/sh\n');
  fs.mkdirSync(path.join(dir, 'wheelhouse'));
  for (const f of ['bitsandbytes-0.50.2-py3-none-manylinux_2_24_x86_64.whl', 'liger_kernel-0.8.5-py3-none-any.whl', 'torch-2.15.0-cp311-cp311-manylinux_2_28_x86_64.whl']) {
    fs.writeFileSync(path.join(dir, 'wheelhouse', f), '');
  }
  return dir;
}

const env = (dir: string) => ({ LATHE_BUNDLE_DIR: dir, LATHE_LLAMA_TOOLS_DIR: path.join(dir, 'llama-tools') });
const byId = (checks: ReturnType<typeof bundleChecks>) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe('lathe doctor inside an offline bundle', () => {
  it('adds nothing outside a bundle', () => {
    expect(bundleChecks({}, null, 0)).toEqual([]);
  });

  it('reports the version, the SBOM, the prebuilt llama tools and the GPU extra in the wheelhouse', () => {
    const dir = fakeBundle();
    const checks = byId(bundleChecks(env(dir), { bitsandbytes: null, 'liger-kernel': null }, 0));
    expect(checks.bundle).toMatchObject({ status: 'ok', value: expect.stringContaining('Lathe 9.9.9 built 2026-12-02 (abcdef1234)') });
    expect(checks.sbom).toMatchObject({ status: 'ok', value: expect.stringContaining(path.join(dir, 'sbom', 'npm.cdx.json')) });
    expect(checks['llama-tools']).toMatchObject({ status: 'ok', value: expect.stringContaining('llama-quantize') });
    expect(checks['gpu-extra']).toMatchObject({ status: 'ok', value: 'not installed · in the wheelhouse: bitsandbytes, liger-kernel' });
  });

  it('warns when a GPU is present and the GPU extra is not installed; ok once it is', () => {
    const dir = fakeBundle();
    expect(byId(bundleChecks(env(dir), { bitsandbytes: null, 'liger-kernel': null }, 1))['gpu-extra']).toMatchObject({ status: 'warn', hint: expect.stringContaining('--gpu-extra yes') });
    expect(byId(bundleChecks(env(dir), { bitsandbytes: '0.50.2', 'liger-kernel': '0.8.5' }, 1))['gpu-extra'])
      .toMatchObject({ status: 'ok', value: expect.stringContaining('installed: bitsandbytes 0.50.2, liger-kernel 0.8.5') });
  });

  it('fails the llama tools check and warns about the SBOM when files are missing', () => {
    const dir = fakeBundle({ tools: false, sbom: false });
    const checks = byId(bundleChecks(env(dir), null, 0));
    expect(checks['llama-tools']).toMatchObject({ status: 'fail', value: expect.stringContaining('llama-quantize and llama-bench is not in its bin/ folder') });
    expect(checks.sbom).toMatchObject({ status: 'warn', value: expect.stringContaining('missing') });
  });
});

describe('prebuilt llama.cpp tools (LATHE_LLAMA_TOOLS_DIR)', () => {
  it('are used as they are, never built', async () => {
    const dir = fakeBundle();
    const e = { ...env(dir), LATHE_CACHE_DIR: tempDir() };
    const tools = await ensureLlamaTools({ env: e });
    expect(tools.quantize).toBe(path.join(dir, 'llama-tools', 'bin', 'llama-quantize'));
    expect(cachedLlamaTools(e)).toEqual(tools);
    expect(fs.readdirSync(e.LATHE_CACHE_DIR)).toEqual([]); // no build folder, no lock
  });

  it('named but incomplete is an error that says what to do, not a build', async () => {
    const dir = fakeBundle({ tools: false });
    expect(() => prebuiltLlamaTools(env(dir))).toThrow(/not in its bin\/ folder/);
    await expect(ensureLlamaTools({ env: env(dir) })).rejects.toMatchObject({ code: 'MODEL_MISSING', hint: expect.stringContaining('Reinstall Lathe from its bundle') });
  });
});
