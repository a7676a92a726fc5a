// Load something for a page or a section: the value, the failure, and a way to load it again.
// A reload keeps what is shown meanwhile, so a refresh does not flash "Loading…".
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbortError } from '../lib/api';

export interface Loaded<T> {
  /** null until the first answer (and, without `keep`, again while other `deps` load). */
  data: T | null;
  /** Why the last load failed; cleared when another starts. */
  error: unknown;
  loading: boolean;
  reload: () => void;
  /** Show a newer value (the answer to a change, a pushed update). */
  setData: (data: T) => void;
}

interface Options {
  /** Keep showing the value for the old `deps` while the new one loads (default true). */
  keep?: boolean;
}

/** `fetch` runs on mount and whenever `deps` change (the latest `fetch` is used). */
export function useLoad<T>(fetch: (signal: AbortSignal) => Promise<T>, deps: unknown[], { keep = true }: Options = {}): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(fetch);
  latest.current = fetch;

  useEffect(() => {
    if (!keep) setData(null);
  }, deps);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    latest.current(ctrl.signal).then(
      (value) => {
        if (ctrl.signal.aborted) return; // an answer for what is no longer asked
        setData(() => value);
        setLoading(false);
      },
      (e) => {
        if (isAbortError(e)) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, round]);

  return { data, error, loading, reload: () => setRound((n) => n + 1), setData: (d: T) => setData(() => d) };
}
