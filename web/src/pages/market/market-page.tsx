import type { TargetedEvent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, isAbortError } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import type { CategoryNode, Facets, Listing, ListingPage } from '../../lib/types';
import type { PageProps } from '../../routes';
import { ActiveFilters } from './active-filters';
import { flatten, loadCategories } from './categories';
import { explain, showError } from './errors';
import { FilterSidebar } from './filter-sidebar';
import { hasFilters, marketHref, readFilters, toParams, type MarketFilters } from './filters';
import { SORTS } from './labels';
import { ListingCard } from './listing-card';

const PAGE_SIZE = 24;

interface Results {
  /** The URL query these results are for. */
  key: string;
  items: Listing[];
  next: string | null;
  facets: Facets | null;
}

/** Browse listings: the filters (in the URL) beside the matches, a page at a time. */
export function MarketPage({ query }: PageProps) {
  const user = useSession();
  const key = toParams(readFilters(query)).toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(key)), [key]);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [tree, setTree] = useState<CategoryNode[]>([]);

  useEffect(() => {
    loadCategories().then(setTree, showError);
  }, []);

  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    fetchPage(key, null, ctl.signal).then(
      (page) => setResults({ key, items: page.items, next: page.next_cursor ?? null, facets: page.facets ?? null }),
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctl.abort();
  }, [key, attempt]);

  async function loadMore() {
    if (!results?.next || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await fetchPage(results.key, results.next);
      setResults((r) => (r && r.key === results.key ? { ...r, items: [...r.items, ...page.items], next: page.next_cursor ?? null } : r));
    } catch (e) {
      showError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  const names = useMemo(() => new Map(flatten(tree).map((c) => [c.id, c.name])), [tree]);
  const stale = results !== null && results.key !== key;
  const total = results?.facets?.conditions.reduce((n, c) => n + c.count, 0);

  return (
    <section class="market">
      <div class="page-head">
        <h1>Market</h1>
        {user && (
          <p class="actions">
            <a class="button secondary" href="/offers">
              Your offers
            </a>
            <a class="button" href="/market/new">
              Sell something
            </a>
          </p>
        )}
      </div>
      <div class="market-layout">
        <FilterSidebar filters={filters} facets={results?.facets ?? null} tree={tree} />
        <section class="market-results" aria-labelledby="results-heading" aria-busy={stale || results === null}>
          <div class="results-bar">
            <h2 id="results-heading" aria-live="polite">
              {total === undefined ? 'Listings' : `${total} listing${total === 1 ? '' : 's'}`}
            </h2>
            <SortSelect filters={filters} />
          </div>
          <ActiveFilters filters={filters} tree={tree} />
          {error ? (
            <div class="form-error" role="alert">
              <p>{explain(error)}</p>
              <button type="button" class="secondary" onClick={() => setAttempt((n) => n + 1)}>
                Try again
              </button>
            </div>
          ) : results === null ? (
            <Loading label="Loading listings…" />
          ) : results.items.length === 0 ? (
            <EmptyState filtered={hasFilters(filters)} signedIn={!!user} />
          ) : (
            <ul class="listing-grid" data-testid="listings">
              {results.items.map((l) => (
                <li key={l.id}>
                  <ListingCard listing={l} category={names.get(l.category_id)} />
                </li>
              ))}
            </ul>
          )}
          {results?.next && !stale && !error && (
            <p class="load-more">
              <button type="button" class="secondary" disabled={loadingMore} onClick={loadMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </p>
          )}
        </section>
      </div>
    </section>
  );
}

function fetchPage(key: string, cursor: string | null, signal?: AbortSignal): Promise<ListingPage> {
  const query: Record<string, string | number> = Object.fromEntries(new URLSearchParams(key));
  query.limit = PAGE_SIZE;
  if (cursor) query.cursor = cursor;
  return api<ListingPage>('GET', '/listings', undefined, { query, ...(signal ? { signal } : {}) });
}

function SortSelect({ filters }: { filters: MarketFilters }) {
  const options = SORTS.filter((s) => s.value !== 'relevance' || filters.q);
  const value = filters.sort && (filters.sort !== 'relevance' || filters.q) ? filters.sort : filters.q ? 'relevance' : 'newest';
  function onChange(e: TargetedEvent<HTMLSelectElement>) {
    navigate(marketHref(filters, { sort: e.currentTarget.value as MarketFilters['sort'] }));
  }
  return (
    <div class="sort-select">
      <label for="market-sort">Sort by</label>
      <select id="market-sort" value={value} onChange={onChange}>
        {options.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function EmptyState({ filtered, signedIn }: { filtered: boolean; signedIn: boolean }) {
  return (
    <div class="empty-state">
      {filtered ? (
        <>
          <p>No listing matches these filters.</p>
          <p class="muted">Remove a filter or search for something else.</p>
        </>
      ) : (
        <>
          <p>Nothing is for sale yet.</p>
          {signedIn && (
            <p>
              <a href="/market/new">Be the first to sell something</a>
            </p>
          )}
        </>
      )}
    </div>
  );
}
