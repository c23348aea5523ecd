/**
 * Engine host as an Electron utility process. Main sends {type: 'lathe:attach', role} with one MessagePort:
 * role 'renderer' for a window, role 'inference' for the inference host. No `electron` import: parentPort
 * is a global of the utility process.
 *
 * Once the engine is open the host tells main how the window reaches it ({type: 'lathe:link'}, host/desktop-link.ts):
 * `port` — main hands it a MessagePort per page load, as before; `server` — "require sign-in" is on and the window
 * loads the team-mode page at `url` instead (renderer ports are then refused: the page signs in over HTTP).
 */
import path from 'node:path';
import { messagePortChannel, type PortLike } from '../../shared/transport/message-port-channel.js';
import { ChannelInferenceLink } from '../inference/inference-process.js';
import { resolveDataDir } from '../paths.js';
import { openDesktopEngine, type DesktopLink } from './desktop-link.js';
import { LazyInferenceLink } from './lazy-inference-link.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

/** What the engine host tells main once it is open (electron/hosts.ts reads it). */
export type LinkMessage = { type: 'lathe:link'; kind: 'port' } | { type: 'lathe:link'; kind: 'server'; url: string };

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine utility entry must run inside an Electron utility process');

const inference = new LazyInferenceLink();
const rendererDir = process.env.LATHE_RENDERER_DIR ?? path.join(process.env.LATHE_RESOURCES_DIR ?? '.', 'renderer');
let link: DesktopLink | null = null;
const waiting: Array<{ data: unknown; ports: PortLike[] }> = []; // attach messages that came before the engine was open

parentPort.on('message', (e) => {
  const msg = e.data as { type?: string };
  if (msg?.type === 'lathe:shutdown') return shutdown();
  if (!link) return void waiting.push(e);
  handle(link, e);
});

function handle(open: DesktopLink, e: { data: unknown; ports: PortLike[] }): void {
  const msg = e.data as { type?: string; role?: string };
  const port = e.ports[0];
  if (msg?.type !== 'lathe:attach' || !port) return;
  const channel = messagePortChannel(port);
  if (msg.role === 'inference') inference.replace(new ChannelInferenceLink(channel));
  else if (msg.role === 'renderer') {
    if (open.kind === 'port') open.engine.attach(channel);
    else channel.close(); // with sign-in required, a window reaches the engine only through the signed-in page
  }
}

openDesktopEngine({ dataDir: resolveDataDir(), rendererDir, inference }).then(
  (opened) => {
    link = opened;
    const message: LinkMessage = opened.kind === 'server' ? { type: 'lathe:link', kind: 'server', url: opened.url } : { type: 'lathe:link', kind: 'port' };
    parentPort.postMessage(message);
    for (const e of waiting.splice(0)) handle(opened, e);
    if (stopping) void opened.close().finally(() => process.exit(0));
  },
  (err: unknown) => {
    // Main logs this process's stderr; the exit counts as a crash, and after three the app says what to do.
    process.stderr.write(`engine could not open: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  if (link) void link.close().finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
