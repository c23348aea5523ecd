// The whole preload (sandboxed, context-isolated): one read-only bridge object, and the relay that hands the
// engine's MessagePort to the page. Nothing like fs, shell or ipcRenderer reaches the page.
import { contextBridge, ipcRenderer } from 'electron';

// `link`: 'port' (the engine's MessagePort below) or 'server' ("require sign-in": the page is team mode's, served by
// the engine on loopback, and signs in over HTTP like a browser). Main sets it with --lathe-link= (window.ts).
const link = process.argv.includes('--lathe-link=server') ? 'server' : 'port';
contextBridge.exposeInMainWorld('latheBridge', { platform: 'electron', version: __LATHE_VERSION__, link });

// MessagePorts cannot cross contextBridge, so the port goes to the page with window.postMessage; the page
// accepts it only when event.source is its own window. Target origin '/': the page's own origin only (never '*',
// which would hand the engine's port to whatever document the window holds by then).
ipcRenderer.on('lathe:port', (event) => window.postMessage('lathe:port', '/', event.ports));
