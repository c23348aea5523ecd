import { toErrorData, type LatheErrorData } from '../../src/shared/contract/index.js';

/** Whatever was thrown, as the {code, message, hint} a person reads; never a stack. */
export function asErrorData(err: unknown): LatheErrorData {
  return toErrorData(err);
}
