import type { TargetedEvent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { SelectField } from '../../components/form';
import { MoreButton, usePaged } from '../../components/paged';
import { Empty, LoadError, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { toastError } from '../../lib/toast';
import type { CategoryNode, ListingPage } from '../../lib/types';
import type { PageProps } from '../../routes';
import { ActiveFilters } from './active-filters';
import { flatten, loadCategories } from './categories';
import { FilterSidebar } from './filter-sidebar';
import { hasFilters, marketHref, readFilters, toParams, type MarketFilters } from './filters';
import { SORTS } from './labels';
import { ListingCard } from './listing-card';

const PAGE_SIZE = 24;

/** Browse listings: the filters (in the URL) beside the matches, a page at a time. */
export function MarketPage({ query }: PageProps) {
  const user = useSession();
  const key = toParams(readFilters(query)).toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(key)), [key]);
  const [tree, setTree] = useState<CategoryNode[]>([]);
  // The matches for other filters stay shown (dimmed) until these come in.
  const results = usePaged((cursor, signal) => fetchPage(key, cursor, signal), [key], { keep: true });

  useEffect(() => {
    loadCategories().then(setTree, toastError);
  }, []);

  const names = useMemo(() => new Map(flatten(tree).map((c) => [c.id, c.name])), [tree]);
  const facets = results.first?.facets ?? null;
  const total = facets?.conditions.reduce((n, c) => n + c.count, 0);
  const items = results.items;

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
        <FilterSidebar filters={filters} facets={facets} tree={tree} />
        <section class="market-results" aria-labelledby="results-heading" aria-busy={results.loading}>
          <div class="results-bar">
            <h2 id="results-heading" aria-live="polite">
              {total === undefined ? 'Listings' : `${total} listing${total === 1 ? '' : 's'}`}
            </h2>
            <SortSelect filters={filters} />
          </div>
          <ActiveFilters filters={filters} tree={tree} />
          {results.error ? (
            <LoadError error={results.error} onRetry={results.reload} />
          ) : items === null ? (
            <Loading label="Loading listings…" />
          ) : items.length === 0 ? (
            <EmptyState filtered={hasFilters(filters)} signedIn={!!user} />
          ) : (
            <ul class="listing-grid" data-testid="listings">
              {items.map((l) => (
                <li key={l.id}>
                  <ListingCard listing={l} category={names.get(l.category_id)} />
                </li>
              ))}
            </ul>
          )}
          <MoreButton paged={results} label="Load more" />
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
  return <SelectField name="sort" id="market-sort" label="Sort by" fieldClass="inline" value={value} onChange={onChange} options={options} />;
}

function EmptyState({ filtered, signedIn }: { filtered: boolean; signedIn: boolean }) {
  return (
    <Empty>
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
    </Empty>
  );
}
