import path from 'node:path';
import type { z } from 'zod';
import { LatheError } from '../../shared/contract/errors.js';
import type { FrameChannel } from '../../shared/contract/frames.js';
import type { InferenceEventSchemas, InferenceHandlerSpecs } from '../../shared/inference-contract.js';
import { RpcClient } from '../../shared/transport/rpc-client.js';

/** How the inference process ended, when the link can tell (a forked child can; Electron's port cannot). */
export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null } | null;

/** Signals a crashing native library ends with: GGML_ASSERT calls abort(); a bad read faults. */
const CRASH_SIGNALS = new Set(['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE']);

/**
 * The inference client, with one thing added: when the inference process dies in the middle of a request that
 * names a model file, the error says what happened to that model — llama.cpp aborted on it, or the process was
 * killed (most often: out of memory) — instead of "the connection closed, restart Lathe". The process restarts on
 * the next call (ForkedInferenceHost); `crashedModels` remembers the files llama.cpp aborted on in this session.
 */
export class InferenceRpcClient extends RpcClient<InferenceHandlerSpecs, InferenceEventSchemas> {
  readonly crashedModels = new Set<string>();

  constructor(channel: FrameChannel, private readonly exitInfo: () => Promise<ExitInfo> = async () => null) {
    super(channel);
  }

  override send<K extends keyof InferenceHandlerSpecs & string>(name: K, args: z.input<InferenceHandlerSpecs[K]['args']>): Promise<z.output<InferenceHandlerSpecs[K]['result']>> {
    return super.send(name, args).catch(async (err: unknown) => {
      const model = (args as { modelPath?: unknown } | null)?.modelPath;
      if (!(err instanceof LatheError) || err.code !== 'TRANSPORT_CLOSED' || typeof model !== 'string') throw err;
      const exit = await this.exitInfo();
      if (exit && exit.code === 0 && !exit.signal) throw err; // a clean shutdown, not the model's doing
      const crashed = !exit || CRASH_SIGNALS.has(exit.signal ?? '') || (exit.code !== null && exit.code >= 128);
      if (crashed) this.crashedModels.add(model);
      throw stoppedWhileRunning(model, exit, crashed);
    });
  }
}

export function stoppedWhileRunning(model: string, exit: ExitInfo, crashed: boolean): LatheError {
  const name = path.basename(model);
  if (!crashed) {
    return new LatheError(
      'INFERENCE_FAILED',
      `The inference process was killed (${exit?.signal ?? `exit code ${exit?.code}`}) while running ${name}.`,
      'Something outside Lathe stopped it, most often the system running out of memory for this model: close other programs, use a smaller quantisation (Q4_K_M) or a shorter context, then try again.',
    );
  }
  return new LatheError(
    'INFERENCE_FAILED',
    `llama.cpp crashed while running ${name}${exit?.signal ? ` (${exit.signal})` : ''}: the inference process stopped in the middle of this request.`,
    `This model file makes llama.cpp abort (Lathe restarts its inference process; nothing else was affected). Convert it again from its source or check it with \`lathe models inspect ${model}\`; if the file is sound, report it with its sha256.`,
  );
}

/**
 * Wraps the engine's inference link so a model file llama.cpp aborted on is also marked in the registry
 * (`details.llamaCppCrash`: when and how), for every link (the forked child, Electron's port) alike.
 */
export function markingCrashes<L extends { client(): RpcClient<InferenceHandlerSpecs, InferenceEventSchemas>; dispose(): Promise<void> }>(
  link: L,
  mark: (modelPath: string, message: string) => void,
): L {
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(link, {
    get(target, prop, receiver) {
      if (prop !== 'client') return Reflect.get(target, prop, receiver) as unknown;
      return () => {
        const client = target.client();
        if (!wrapped.has(client)) {
          wrapped.set(client, new Proxy(client, {
            get(c, p, r) {
              const value = Reflect.get(c, p, r) as unknown;
              if (p !== 'send' || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(c) : value;
              return (name: string, args: unknown) =>
                (value as (n: string, a: unknown) => Promise<unknown>).call(c, name, args).catch((err: unknown) => {
                  const model = (args as { modelPath?: unknown } | null)?.modelPath;
                  if (err instanceof LatheError && /crashed while running/.test(err.message) && typeof model === 'string') {
                    try {
                      mark(model, err.message);
                    } catch {
                      // marking is a courtesy; the error itself still reaches the caller
                    }
                  }
                  throw err;
                });
            },
          }));
        }
        return wrapped.get(client);
      };
    },
  });
}

/** The inference process died under a request: a closed channel, or the error that names the model it died on. */
export function hostDied(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return code === 'TRANSPORT_CLOSED' || (code === 'INFERENCE_FAILED' && /inference process was killed|llama\.cpp crashed while running/.test(message ?? ''));
}
