/**
 * Whether this page reaches the engine through the Electron preload's MessagePort. False in a browser, and in the
 * desktop app when "require sign-in" is on: that page is team mode's, served by the engine on loopback, and works
 * exactly like a browser page (sign-in, WebSocket, downloads, the server's folder picker).
 */
export function linkedByPort(win: Window | undefined = typeof window === 'undefined' ? undefined : window): boolean {
  return win?.latheBridge?.platform === 'electron' && win.latheBridge.link !== 'server';
}
