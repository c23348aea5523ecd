// Vite build for the preload (electron/preload.ts → .vite/build/preload.cjs). Sandboxed preloads must be
// CommonJS; the .cjs name keeps that unambiguous inside a "type": "module" package.
import { readFileSync } from 'node:fs';

import { defineConfig } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: {
    __LATHE_VERSION__: JSON.stringify(pkg.version),
  },
  build: {
    rollupOptions: {
      output: {
        format: 'cjs',
        entryFileNames: '[name].cjs',
      },
    },
  },
});
