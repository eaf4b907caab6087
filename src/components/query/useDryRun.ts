import { useEffect, useRef, useState } from 'react';

import { PlanFailure } from '../../api';
import { PlanError } from '../../types';

/** DryRun is the state of a debounced resource call. */
export type DryRun<T> =
  | { state: 'idle' }
  | { state: 'loading'; last?: T }
  | { state: 'done'; value: T }
  | { state: 'error'; error: PlanError };

/**
 * useDryRun calls fetcher(key, signal) delayMs after key last changed (key is
 * the JSON of the request, so it fires only when the request changes), aborts
 * the call in flight when key changes again, drops answers to stale
 * requests, and skips when key is empty.
 */
export function useDryRun<T>(
  key: string,
  fetcher: (key: string, signal: AbortSignal) => Promise<T>,
  delayMs: number
): DryRun<T> {
  const [result, setResult] = useState<DryRun<T>>({ state: 'idle' });
  const seq = useRef(0);
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;

  useEffect(() => {
    const mine = ++seq.current;
    if (!key) {
      setResult({ state: 'idle' });
      return;
    }
    setResult((prev) => ({ state: 'loading', last: prev.state === 'done' ? prev.value : undefined }));
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      fetchRef.current(key, ctrl.signal).then(
        (value) => mine === seq.current && setResult({ state: 'done', value }),
        (err: unknown) =>
          mine === seq.current &&
          !ctrl.signal.aborted &&
          setResult({
            state: 'error',
            error: err instanceof PlanFailure ? err.detail : { message: String((err as Error)?.message ?? err) },
          })
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [key, delayMs]);

  return result;
}
