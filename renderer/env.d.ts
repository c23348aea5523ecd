/// <reference types="vite/client" />

/** What the Electron preload exposes: one small, read-only bridge and nothing else. */
interface LatheBridge {
  readonly platform: 'electron';
  readonly version: string;
}

interface Window {
  readonly latheBridge?: LatheBridge;
}
