/**
 * Builds (or reuses from cache) the tiny model once for the whole unit run, so tests that need a real GGUF
 * read its path from LATHE_TEST_TINY_MODEL instead of each building it.
 */
import { ensureTinyModel } from '../../src/engine/models/tiny-model.js';

export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  // Fast inner loop while editing: LATHE_TEST_SKIP_TINY=1 skips the build; tests that need the model then fail.
  if (process.env.LATHE_TEST_SKIP_TINY === '1') return provide('tinyGguf', '');
  const started = Date.now();
  // LATHE_TEST_TINY_SEED=N runs the suite on another, equally valid tiny model (as a different CPU builds one):
  // no test may depend on what an untrained tiny model happens to say.
  const model = await ensureTinyModel({ seed: Number(process.env.LATHE_TEST_TINY_SEED ?? 0) });
  process.env.LATHE_TEST_TINY_GGUF = model.ggufPath;
  provide('tinyGguf', model.ggufPath);
  process.stderr.write(`[setup] tiny model ${model.cached ? 'reused' : 'built'} in ${Date.now() - started} ms\n`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    tinyGguf: string;
  }
}
