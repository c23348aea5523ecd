/**
 * Builds (or reuses from cache) the tiny model once for the whole unit run, so tests that need a real GGUF
 * read its path from LATHE_TEST_TINY_MODEL instead of each building it.
 */
import { ensureTinyModel } from '../../src/engine/models/tiny-model.js';

export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  // Fast inner loop while editing: LATHE_TEST_SKIP_TINY=1 skips the build; tests that need the model then fail.
  if (process.env.LATHE_TEST_SKIP_TINY === '1') return provide('tinyGguf', '');
  const started = Date.now();
  const model = await ensureTinyModel({ seed: 0 });
  process.env.LATHE_TEST_TINY_GGUF = model.ggufPath;
  provide('tinyGguf', model.ggufPath);
  process.stderr.write(`[setup] tiny model ${model.cached ? 'reused' : 'built'} in ${Date.now() - started} ms\n`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    tinyGguf: string;
  }
}
