/**
 * Inference host as an Electron utility process: main sends {type: 'lathe:attach', role: 'engine'} with a
 * MessagePort to the engine. No `electron` import: parentPort is a global of the utility process.
 */
import { messagePortChannel, type PortLike } from '../../shared/transport/message-port-channel.js';
import { serveInference } from './serve-inference.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('inference utility entry must run inside an Electron utility process');

let current: ReturnType<typeof serveInference> | null = null;
parentPort.on('message', (e) => {
  const msg = e.data as { type?: string; role?: string };
  if (msg?.type === 'lathe:shutdown') return shutdown();
  const port = e.ports[0];
  if (msg?.type !== 'lathe:attach' || msg.role !== 'engine' || !port) return;
  void current?.dispose();
  current = serveInference(messagePortChannel(port));
});

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  void (current?.dispose() ?? Promise.resolve()).finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
