import type { FrameChannel } from '../../shared/contract/frames.js';
import { inferenceHandlerSpecs, type InferenceHandlerSpecs } from '../../shared/inference-contract.js';
import { RpcServer, type Impls } from '../../shared/transport/rpc-server.js';
import { benchModel } from '../bench-run.js';
import { chat, complete } from '../chat-once.js';
import { chatBatch } from '../chat-batch.js';
import { LlamaRuntime } from '../llama-runtime.js';
import { tokenLogprobs } from '../logprobs.js';

/** Serves the inference contract on one channel. A crash here never touches the database. */
export function serveInference(channel: FrameChannel): { dispose(): Promise<void> } {
  const runtime = new LlamaRuntime();
  const running = new Map<string, AbortController>();
  const stream = (requestId: string) => (text: string) => {
    try {
      channel.send({ t: 'evt', name: 'inference.token', payload: { requestId, text } });
    } catch {
      // the engine went away; the answer is still returned if it comes back
    }
  };
  /** Registers an abort controller under the request id for `inference.cancel`. */
  const cancellable = async <T>(requestId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    running.set(requestId, controller);
    try {
      return await fn(controller.signal);
    } finally {
      if (running.get(requestId) === controller) running.delete(requestId);
    }
  };
  const impls: Impls<InferenceHandlerSpecs> = {
    'inference.probe': () => runtime.probe(),
    'inference.chat': (args) => cancellable(args.requestId, (signal) => chat(runtime, args, stream(args.requestId), signal)),
    'inference.chatBatch': (args) => cancellable(args.requestId, async (signal) => ({ results: await chatBatch(runtime, args, signal) })),
    'inference.complete': (args) => cancellable(args.requestId, (signal) => complete(runtime, args, stream(args.requestId), signal)),
    'inference.cancel': async ({ requestId }) => {
      const c = running.get(requestId);
      c?.abort();
      return { cancelled: Boolean(c) };
    },
    'inference.status': async () => runtime.status(),
    'inference.bench': (args) => benchModel(runtime, args),
    'inference.logprobs': (args) => tokenLogprobs(runtime, args),
    'inference.unloadAll': async () => ({ unloaded: await runtime.unloadAll() }),
  };
  const detach = new RpcServer(inferenceHandlerSpecs, impls).attach(channel);
  return {
    async dispose() {
      for (const c of running.values()) c.abort();
      detach();
      await runtime.dispose();
    },
  };
}
