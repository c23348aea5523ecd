// The Electron build of the renderer: renderer/vite.config.ts (shared with browser mode) plus the two things
// Forge needs — output in .vite/renderer/main_window (where main looks for it) and relative asset URLs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defineConfig, loadConfigFromFile, mergeConfig, type ConfigEnv } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
export const rendererViteConfig = path.join(root, 'renderer', 'vite.config.ts');

export default defineConfig(async (env) => {
  if (!existsSync(rendererViteConfig)) throw new Error(`Missing ${rendererViteConfig}`);
  const name = (env as ConfigEnv & { forgeConfigSelf?: { name?: string } }).forgeConfigSelf?.name ?? 'main_window';
  const loaded = await loadConfigFromFile(env, rendererViteConfig);
  return mergeConfig(loaded?.config ?? {}, {
    base: './',
    build: {
      outDir: path.join(root, '.vite', 'renderer', name),
      emptyOutDir: true,
    },
  });
});
