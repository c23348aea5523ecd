import type { z } from 'zod';
import type { HandlerSpec } from '../contract/define.js';
import { LatheError, toErrorData } from '../contract/errors.js';
import { frameSchema, type Frame, type FrameChannel } from '../contract/frames.js';

type Specs = Record<string, HandlerSpec>;
export type Impls<H extends Specs> = { [K in keyof H]: (args: z.output<H[K]['args']>) => Promise<z.output<H[K]['result']>> };

/** Where a call came from: a peer over a channel (a window, a browser tab, a team member), or this process's own code
 * (the CLI, the desktop host, a server's start-up calls), which acts for the local operator. */
export type CallOrigin = 'channel' | 'local';

export interface RpcServerOptions {
  /** Called before a handler's arguments are checked and before it runs; throw a LatheError to refuse the call. */
  authorize?: (name: string) => void;
  /** Sees the parsed arguments and may return them changed (the engine resolves a peer's path arguments); throw to refuse. */
  prepareArgs?: (name: string, args: unknown, origin: CallOrigin) => unknown;
  /** Called before a handler that writes; throw a LatheError to refuse. */
  guardWrite?: (name: string) => void;
  /** Sees every error a handler throws and may return a better one (e.g. a full disk, with its folder named). */
  mapError?: (err: unknown) => unknown;
  /** Called after every handler that writes, whether it succeeded or not. */
  afterWrite?: (name: string) => void;
}

/**
 * The callee's side: validates every incoming frame and its arguments against the contract, so a handler only
 * ever sees parsed, typed arguments. Invalid input is answered with INVALID_ARGUMENTS naming the field.
 */
export class RpcServer<H extends Specs> {
  constructor(
    private readonly specs: H,
    private readonly impls: Impls<H>,
    private readonly options: RpcServerOptions = {},
  ) {}

  /** Serve one channel; returns a function that stops serving it. */
  attach(channel: FrameChannel): () => void {
    return channel.onFrame((raw) => {
      void this.handle(raw).then((reply) => {
        if (reply) {
          try {
            channel.send(reply);
          } catch {
            // the peer went away between request and reply; nothing to tell it
          }
        }
      });
    });
  }

  async handle(raw: unknown): Promise<Frame | null> {
    const parsed = frameSchema.safeParse(raw);
    if (!parsed.success) return null; // not a frame: drop it, a peer that speaks another protocol gets no reply
    const frame = parsed.data;
    if (frame.t !== 'req') return null;
    try {
      const result = await this.call(frame.name, frame.args, 'channel');
      return { t: 'res', id: frame.id, result };
    } catch (err) {
      return { t: 'err', id: frame.id, error: toErrorData(err) };
    }
  }

  async call(name: string, rawArgs: unknown, origin: CallOrigin = 'local'): Promise<unknown> {
    if (!Object.prototype.hasOwnProperty.call(this.specs, name)) {
      throw new LatheError(
        'UNKNOWN_HANDLER',
        `The engine has no handler named "${name}".`,
        'The app and the engine are from different versions; restart Lathe.',
      );
    }
    const spec = this.specs[name] as HandlerSpec;
    this.options.authorize?.(name);
    const args = spec.args.safeParse(rawArgs ?? {});
    if (!args.success) {
      const issues = args.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
        .join('; ');
      throw new LatheError(
        'INVALID_ARGUMENTS',
        `Invalid arguments for "${name}": ${issues}.`,
        'Correct the highlighted values and try again.',
      );
    }
    const prepared = this.options.prepareArgs ? this.options.prepareArgs(name, args.data, origin) : args.data;
    if (spec.writes) this.options.guardWrite?.(name);
    const impl = this.impls[name as keyof H] as (a: unknown) => Promise<unknown>;
    try {
      return await impl(prepared);
    } catch (err) {
      throw this.options.mapError ? this.options.mapError(err) : err;
    } finally {
      if (spec.writes) this.options.afterWrite?.(name);
    }
  }
}
