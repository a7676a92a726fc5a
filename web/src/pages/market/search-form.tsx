import type { TargetedSubmitEvent } from 'preact';
import { navigate } from '../../lib/router';
import { marketHref, type MarketFilters } from './filters';

/** The search field: a new search keeps the other filters. */
export function SearchForm({ filters }: { filters: MarketFilters }) {
  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q') ?? '').trim();
    navigate(marketHref(filters, { q }));
  }
  return (
    <form class="market-search" role="search" aria-label="Listings" onSubmit={onSubmit}>
      <label for="market-q">Search listings</label>
      <div class="inline-controls">
        <input id="market-q" key={filters.q} name="q" type="search" defaultValue={filters.q} maxLength={256} />
        <button type="submit">Search</button>
      </div>
    </form>
  );
}
