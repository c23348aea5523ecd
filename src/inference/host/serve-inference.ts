import type { FrameChannel } from '../../shared/contract/frames.js';
import { inferenceHandlerSpecs, type InferenceHandlerSpecs } from '../../shared/inference-contract.js';
import { RpcServer, type Impls } from '../../shared/transport/rpc-server.js';
import { chatOnce } from '../chat-once.js';
import { LlamaRuntime } from '../llama-runtime.js';

/** Serves the inference contract on one channel. A crash here never touches the database. */
export function serveInference(channel: FrameChannel): { dispose(): Promise<void> } {
  const runtime = new LlamaRuntime();
  const impls: Impls<InferenceHandlerSpecs> = {
    'inference.probe': () => runtime.probe(),
    'inference.chat': (args) =>
      chatOnce(runtime, args, (text) => {
        try {
          channel.send({ t: 'evt', name: 'inference.token', payload: { requestId: args.requestId, text } });
        } catch {
          // the engine went away; the answer is still returned if it comes back
        }
      }),
    'inference.unloadAll': async () => ({ unloaded: await runtime.unloadAll() }),
  };
  const detach = new RpcServer(inferenceHandlerSpecs, impls).attach(channel);
  return {
    async dispose() {
      detach();
      await runtime.dispose();
    },
  };
}
