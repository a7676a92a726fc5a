// Load something for a page: the value, the failure, and a way to load it again (keeping what is
// shown meanwhile, so a refresh does not flash "Loading…").
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbortError } from '../../lib/api';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

export function useLoad<T>(fetch: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const latest = useRef(fetch);
  latest.current = fetch;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    latest.current(ctrl.signal).then(
      (value) => {
        setData(() => value);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (isAbortError(e)) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, nonce]);

  return { data, error, loading, reload: () => setNonce((n) => n + 1), setData: (d: T) => setData(() => d) };
}
