/**
 * Inference host as a Node child process (browser mode and CLI): frames over Node IPC. Exits when the
 * parent goes away, so no orphan keeps a model in memory.
 */
import { ipcChannel } from '../../shared/transport/ipc-channel.js';
import { serveInference } from './serve-inference.js';

const channel = ipcChannel(process);
const served = serveInference(channel);
channel.onClose(() => {
  void served.dispose().finally(() => process.exit(0));
});
