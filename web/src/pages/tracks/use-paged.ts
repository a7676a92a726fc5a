import { useEffect, useState } from 'preact/hooks';
import { api, isAbortError } from '../../lib/api';
import { toastError } from '../../lib/toast';
import type { Page } from '../../lib/types';

type Query = Record<string, string | number | undefined>;

export interface Paged<T> {
  /** null while the first page loads. */
  items: T[] | null;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  more: () => Promise<void>;
  reload: () => void;
  /** Change the list here after an action (remove an item, say). */
  setItems: (update: (items: T[]) => T[]) => void;
}

/** A cursor-paged list (`{items, next_cursor}`): the first page now, more on demand. */
export function usePaged<T>(path: string, query: Query = {}, pageSize = 24): Paged<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [round, setRound] = useState(0);
  const key = `${path}?${JSON.stringify(query)}`;

  useEffect(() => {
    const ctrl = new AbortController();
    setItems(null);
    setError(null);
    api<Page<T>>('GET', path, undefined, { query: { ...query, limit: pageSize }, signal: ctrl.signal }).then(
      (page) => {
        setItems(page.items);
        setCursor(page.next_cursor ?? null);
      },
      (e) => {
        if (isAbortError(e)) return;
        setError(e);
        setItems([]);
        setCursor(null);
      },
    );
    return () => ctrl.abort();
  }, [key, round]);

  async function more() {
    if (!cursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await api<Page<T>>('GET', path, undefined, { query: { ...query, limit: pageSize, cursor } });
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  return {
    items,
    error,
    hasMore: !!cursor,
    loadingMore,
    more,
    reload: () => setRound((n) => n + 1),
    setItems: (update) => setItems((list) => (list ? update(list) : list)),
  };
}
