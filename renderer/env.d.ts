/// <reference types="vite/client" />

/** What the Electron preload exposes: one small, read-only bridge and nothing else. */
interface LatheBridge {
  readonly platform: 'electron';
  readonly version: string;
  /**
   * 'port': the engine's MessagePort comes through the preload. 'server': "require sign-in" is on and this page is
   * team mode's, served by the engine on loopback: it signs in and connects like a browser page.
   */
  readonly link?: 'port' | 'server';
}

interface Window {
  readonly latheBridge?: LatheBridge;
}
