import type { z } from 'zod';

/** One request handler: a runtime schema for its arguments and one for its result. */
export interface HandlerSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  args: A;
  result: R;
  /** True when the handler writes to the database; refused while the database is read-only. */
  writes: boolean;
  summary: string;
}

export function handler<A extends z.ZodType, R extends z.ZodType>(spec: HandlerSpec<A, R>): HandlerSpec<A, R> {
  return spec;
}

export type HandlerArgs<S extends HandlerSpec> = z.input<S['args']>;
export type HandlerParsedArgs<S extends HandlerSpec> = z.output<S['args']>;
export type HandlerResult<S extends HandlerSpec> = z.output<S['result']>;
