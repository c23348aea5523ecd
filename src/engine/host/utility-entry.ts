/**
 * Engine host as an Electron utility process. Main sends {type: 'lathe:attach', role} with one MessagePort:
 * role 'renderer' for a window, role 'inference' for the inference host. No `electron` import: parentPort
 * is a global of the utility process.
 */
import { messagePortChannel, type PortLike } from '../../shared/transport/message-port-channel.js';
import { Engine } from '../engine.js';
import { ChannelInferenceLink } from '../inference/inference-process.js';
import { resolveDataDir } from '../paths.js';
import { LazyInferenceLink } from './lazy-inference-link.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine utility entry must run inside an Electron utility process');

const inference = new LazyInferenceLink();
const engine = Engine.open({ dataDir: resolveDataDir(), mode: 'electron', inference });

parentPort.on('message', (e) => {
  const msg = e.data as { type?: string; role?: string };
  if (msg?.type === 'lathe:shutdown') return shutdown();
  const port = e.ports[0];
  if (msg?.type !== 'lathe:attach' || !port) return;
  const channel = messagePortChannel(port);
  if (msg.role === 'renderer') engine.attach(channel);
  if (msg.role === 'inference') inference.replace(new ChannelInferenceLink(channel));
});

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  void engine.dispose().finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
