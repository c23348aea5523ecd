import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dev server injects CSS as <style> tags, which the production CSP (style-src 'self') forbids.
 * Relax that one directive while serving only; the built index.html keeps the strict policy.
 */
function devCsp(): Plugin {
  return {
    name: 'lathe-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

/**
 * The dev server's proxy to a running engine: the socket (/ws) and team mode's sign-in endpoints (/auth/*), so a dev
 * page signs in and keeps its session cookie exactly as the page the engine serves does.
 */
export function devEngineProxy(target: string | undefined) {
  if (!target) return undefined;
  // The engine accepts a socket or a sign-in only from its own origin; present proxied requests as coming from it.
  const fromEngine = { target, changeOrigin: true, headers: { origin: new URL(target).origin } };
  return { '/ws': { ...fromEngine, ws: true }, '/auth': fromEngine };
}

export default defineConfig({
  root,
  base: './',
  // No React plugin: esbuild's automatic JSX runtime is all the renderer needs.
  esbuild: { jsx: 'automatic' },
  plugins: [devCsp()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Assets are files, never data: URIs or inline scripts, so the CSP can stay strict.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod 4 ships comments Rollup cannot place as annotations; harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  // `LATHE_DEV_ENGINE=http://127.0.0.1:PORT npx vite --config renderer/vite.config.ts`, then open the dev page
  // with ?token=<the token `lathe serve` printed> (or sign in, against `lathe serve --team`): live-edit the UI
  // against a running engine.
  server: { host: '127.0.0.1', strictPort: false, proxy: devEngineProxy(process.env.LATHE_DEV_ENGINE) },
  preview: { host: '127.0.0.1' },
});
