// A cursor-paged list (`{items, next_cursor}`): the first page now, the next ones on demand,
// and the button that asks for them.
import { useRef, useState } from 'preact/hooks';
import { toastError } from '../lib/toast';
import type { Page } from '../lib/types';
import { useLoad } from './use-load';

export interface Paged<T, P extends Page<unknown> = Page<T>> {
  /** null until the first page for the current `deps` is in. */
  items: T[] | null;
  /** The first page of the list shown (for what comes with it: a search's facets). */
  first: P | null;
  /** Why the first page failed (a failed "more" is a toast). */
  error: unknown;
  /** A first page is on its way. */
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  more: () => Promise<void>;
  /** Load the first page again, keeping the list shown meanwhile. */
  reload: () => void;
  /** Change the list here after an action (remove an item, say). */
  setItems: (update: (items: T[]) => T[]) => void;
}

interface Options {
  /** Keep showing the old list while the first page for new `deps` loads (default: "Loading…"). */
  keep?: boolean;
}

type ItemOf<P> = P extends Page<infer T> ? T : never;

/** The list so far: a first page, then what "more" added after it. */
interface List<T, P> {
  first: P;
  items: T[];
  cursor: string | null;
}

/** `fetch(cursor)` gives one page; it runs again from the start whenever `deps` change. */
export function usePaged<P extends Page<unknown>, T = ItemOf<P>>(
  fetch: (cursor: string | null, signal?: AbortSignal) => Promise<P>,
  deps: unknown[],
  { keep = false }: Options = {},
): Paged<T, P> {
  const latest = useRef(fetch);
  latest.current = fetch;
  const [list, setList] = useState<List<T, P> | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const first = useLoad(
    async (signal) => {
      const page = await latest.current(null, signal);
      if (!signal.aborted) setList({ first: page, items: page.items as T[], cursor: page.next_cursor ?? null });
      return page;
    },
    deps,
    { keep },
  );
  // Without `keep`, a list that is not of the current first page is not shown.
  const shown = list && (keep || list.first === first.data) ? list : null;

  async function more() {
    if (!shown?.cursor || loadingMore) return;
    const base = shown.first;
    setLoadingMore(true);
    try {
      const page = await latest.current(shown.cursor);
      // Dropped when the list was read again meanwhile: it would not follow on.
      setList((l) => (l && l.first === base ? { ...l, items: append(l.items, page.items as T[]), cursor: page.next_cursor ?? null } : l));
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  return {
    items: shown?.items ?? null,
    first: shown?.first ?? null,
    error: first.error,
    loading: first.loading,
    hasMore: !!shown?.cursor,
    loadingMore,
    more,
    reload: first.reload,
    setItems: (update) => setList((l) => l && { ...l, items: update(l.items) }),
  };
}

/** `more` after `list`, less what is listed already (a list that changed between pages repeats some). */
function append<T>(list: T[], more: T[]): T[] {
  const ids = new Set(list.map(idOf).filter((id) => id !== undefined));
  return [
    ...list,
    ...more.filter((x) => {
      const id = idOf(x);
      return id === undefined || !ids.has(id);
    }),
  ];
}

function idOf(x: unknown): string | undefined {
  return x && typeof x === 'object' && 'id' in x ? String(x.id) : undefined;
}

/** "More …" under a paged list, while there is more and the list shown is current. */
export function MoreButton({ paged, label }: { paged: Pick<Paged<unknown>, 'hasMore' | 'loading' | 'error' | 'loadingMore' | 'more'>; label: string }) {
  if (!paged.hasMore || paged.loading || paged.error) return null;
  return (
    <p class="more">
      <button type="button" class="secondary" disabled={paged.loadingMore} onClick={() => void paged.more()}>
        {paged.loadingMore ? 'Loading…' : label}
      </button>
    </p>
  );
}
