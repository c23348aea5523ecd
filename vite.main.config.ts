// Vite build for Electron main (electron/main.ts → .vite/build/main.js, the "main" in package.json).
// An ES module for the same reason as the hosts: package.json has "type": "module".
import { defineConfig } from 'vite';

import { forgeEntry, nativeExternals } from './vite.host.config';

export default defineConfig((env) => ({
  build: {
    target: 'node22',
    sourcemap: true,
    lib: {
      entry: forgeEntry(env),
      formats: ['es'],
      fileName: () => 'main.js',
    },
    rollupOptions: {
      // Main never loads a native module; keeping them external makes an accidental import fail loudly at run
      // time instead of bundling a binary into main.
      external: nativeExternals,
    },
  },
}));
