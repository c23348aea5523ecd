import { z } from 'zod';
import { handler } from '../define.js';

export const servingStatusSchema = z.object({
  running: z.boolean(),
  /** The base URL for OpenAI clients, e.g. http://127.0.0.1:11435/v1 */
  url: z.string().nullable(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  /** Sent as `Authorization: Bearer <apiKey>`; generated once and kept in the data folder. */
  apiKey: z.string(),
  startedAt: z.string().nullable(),
});
export type ServingStatus = z.infer<typeof servingStatusSchema>;

export const servingHandlers = {
  'serving.start': handler({
    summary: 'Starts the local OpenAI-compatible endpoint (/v1/models, /v1/chat/completions, /v1/completions).',
    args: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(11_435),
        /** Required to listen on anything but loopback. */
        allowRemote: z.boolean().default(false),
      })
      .strict(),
    result: servingStatusSchema,
    writes: true,
  }),
  'serving.stop': handler({ summary: 'Stops the endpoint.', args: z.object({}).strict(), result: servingStatusSchema, writes: true }),
  'serving.status': handler({ summary: 'Whether the endpoint runs, where, and its API key.', args: z.object({}).strict(), result: servingStatusSchema, writes: false }),
};
