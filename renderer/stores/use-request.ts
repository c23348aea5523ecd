import { useEffect, useState } from 'react';
import type { LatheErrorData } from '../../src/shared/contract/index.js';
import { asErrorData } from './errors.js';
export interface RequestState<T> {
  value: T | null;
  error: LatheErrorData | null;
  /** True from the moment the inputs change until their answer (or error) arrives. */
  loading: boolean;
}

/**
 * The latest answer of `send` for the current inputs (`deps`); an answer for inputs that changed meanwhile is
 * dropped. For feature hooks (`features/X/use-*.ts`, `X-store.ts`) that fetch what one component shows.
 */
export function useRequest<T>(send: () => Promise<T>, deps: unknown[]): RequestState<T> {
  const [state, setState] = useState<RequestState<T>>({ value: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ value: s.value, error: null, loading: true }));
    send()
      .then((value) => live && setState({ value, error: null, loading: false }))
      .catch((err: unknown) => live && setState((s) => ({ value: s.value, error: asErrorData(err), loading: false })));
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
