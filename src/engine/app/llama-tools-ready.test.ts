import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

/** app.info tells the UI whether a K-quant would first build llama-quantize (the Export page warns if so). */
describe('app.info llamaToolsReady', () => {
  const saved = { cache: process.env.LATHE_CACHE_DIR, tools: process.env.LATHE_LLAMA_TOOLS_DIR };
  afterEach(() => {
    for (const [key, value] of [['LATHE_CACHE_DIR', saved.cache], ['LATHE_LLAMA_TOOLS_DIR', saved.tools]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('is false on a machine that has not built the tools, true where prebuilt ones are shipped', async () => {
    delete process.env.LATHE_LLAMA_TOOLS_DIR;
    process.env.LATHE_CACHE_DIR = tempDir(); // an empty cache: nothing built yet
    const engine = Engine.open({ dataDir: tempDir(), mode: 'test' });
    try {
      expect((await engine.call('app.info', {})).llamaToolsReady).toBe(false);
      const shipped = tempDir();
      fs.mkdirSync(path.join(shipped, 'bin'));
      for (const f of ['llama-quantize', 'llama-bench']) fs.writeFileSync(path.join(shipped, 'bin', f), '');
      process.env.LATHE_LLAMA_TOOLS_DIR = shipped;
      expect((await engine.call('app.info', {})).llamaToolsReady).toBe(true);
    } finally {
      await engine.dispose();
    }
  });
});
