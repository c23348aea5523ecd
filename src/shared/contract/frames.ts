import { z } from 'zod';

/**
 * The four frames of the one message protocol. Every carrier (MessagePort, WebSocket, child-process IPC)
 * moves exactly these objects; nothing else crosses.
 */
export const PROTOCOL_VERSION = 1;

const errorData = z.object({ code: z.string(), message: z.string(), hint: z.string() });

export const frameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id: z.number().int(), name: z.string(), args: z.unknown() }),
  z.object({ t: z.literal('res'), id: z.number().int(), result: z.unknown() }),
  z.object({ t: z.literal('err'), id: z.number().int(), error: errorData }),
  z.object({ t: z.literal('evt'), name: z.string(), payload: z.unknown() }),
]);

export type Frame = z.infer<typeof frameSchema>;
export type RequestFrame = Extract<Frame, { t: 'req' }>;
export type ResponseFrame = Extract<Frame, { t: 'res' }>;
export type ErrorFrame = Extract<Frame, { t: 'err' }>;
export type EventFrame = Extract<Frame, { t: 'evt' }>;

/** A carrier of frames. MessagePort, WebSocket and IPC adapters implement this; callers never see which. */
export interface FrameChannel {
  send(frame: Frame): void;
  /** Returns an unsubscribe function. */
  onFrame(listener: (frame: Frame) => void): () => void;
  onClose(listener: () => void): () => void;
  close(): void;
}
