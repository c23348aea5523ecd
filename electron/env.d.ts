// Constants replaced at build time. MAIN_WINDOW_VITE_* come from Forge's Vite plugin for the renderer entry
// named 'main_window' (the dev-server URL is only set under `electron-forge start`); __LATHE_VERSION__ comes
// from vite.preload.config.ts.
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
declare const __LATHE_VERSION__: string;
