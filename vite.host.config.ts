// Vite build for the two Node utility processes (engine host, inference host). Built as ES modules because
// package.json has "type": "module" (a CommonJS .js file would not load) and node-llama-cpp is ESM-only.
// Native modules stay external: they are loaded from node_modules at run time (unpacked from the asar).
import { defineConfig, type ConfigEnv, type LibraryOptions } from 'vite';

/** Packages with native binaries: never bundled, shipped in node_modules. */
export const nativeModules = ['better-sqlite3', 'node-llama-cpp'];

/** Also matches deep imports such as `node-llama-cpp/...` and the `@node-llama-cpp/*` binary packages. */
export const nativeExternals: (string | RegExp)[] = [
  ...nativeModules,
  ...nativeModules.map((name) => new RegExp(`^${name}/`)),
  /^@node-llama-cpp\//,
];

/** The entry Forge passes for this build (`build[].entry` in forge.config.ts). */
export function forgeEntry(env: ConfigEnv): LibraryOptions['entry'] {
  const self = (env as ConfigEnv & { forgeConfigSelf?: { entry?: LibraryOptions['entry'] } }).forgeConfigSelf;
  if (!self?.entry) throw new Error('This Vite config is meant to be loaded by Electron Forge (forge.config.ts).');
  return self.entry;
}

export default defineConfig((env) => ({
  build: {
    target: 'node22',
    sourcemap: true,
    lib: {
      entry: forgeEntry(env),
      formats: ['es'],
      // Entries are named in forge.config.ts ({ 'engine-host': ... }), giving engine-host.js / inference-host.js.
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rollupOptions: {
      external: nativeExternals,
    },
  },
}));
