import type { FrameChannel } from '../../shared/contract/frames.js';
import { inferenceHandlerSpecs, type InferenceHandlerSpecs } from '../../shared/inference-contract.js';
import { RpcServer, type Impls } from '../../shared/transport/rpc-server.js';
import { benchModel } from '../bench-run.js';
import { chat, complete } from '../chat-once.js';
import { chatBatch } from '../chat-batch.js';
import { LlamaRuntime } from '../llama-runtime.js';
import { tokenLogprobs } from '../logprobs.js';
import { tokenStream } from './token-stream.js';

/** Serves the inference contract on one channel. A crash here never touches the database. */
export function serveInference(channel: FrameChannel): { dispose(): Promise<void> } {
  const runtime = new LlamaRuntime();
  const running = new Map<string, AbortController>();
  const send = (requestId: string) => (text: string) => {
    try {
      channel.send({ t: 'evt', name: 'inference.token', payload: { requestId, text } });
    } catch {
      // the engine went away; the answer is still returned if it comes back
    }
  };
  /** Runs a generation with its text coalesced into few events (token-stream.ts), all sent before the answer. */
  const streamed = async <T>(requestId: string, fn: (onText: (text: string) => void) => Promise<T>): Promise<T> => {
    const stream = tokenStream(send(requestId));
    try {
      return await fn(stream.push);
    } finally {
      stream.end();
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
    'inference.chat': (args) => cancellable(args.requestId, (signal) => streamed(args.requestId, (onText) => chat(runtime, args, onText, signal))),
    'inference.chatBatch': (args) => cancellable(args.requestId, async (signal) => ({ results: await chatBatch(runtime, args, signal) })),
    'inference.complete': (args) => cancellable(args.requestId, (signal) => streamed(args.requestId, (onText) => complete(runtime, args, onText, signal))),
    'inference.cancel': async ({ requestId }) => {
      const c = running.get(requestId);
      c?.abort();
      return { cancelled: Boolean(c) };
    },
    'inference.status': async () => runtime.status(),
    // The bench's chat-path run streams like a chat does, to an id nobody listens to.
    'inference.bench': (args) => streamed(`bench-${Date.now()}`, (onText) => benchModel(runtime, args, onText)),
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
