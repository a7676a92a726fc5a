import type { TargetedEvent, TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { formatMoney } from '../../lib/format';
import { navigate } from '../../lib/router';
import type { Facets } from '../../lib/types';
import { FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';
import { CURRENCIES } from './labels';
import { fractionDigits, toMajor, toMinor } from './money';

/** Price buckets with their counts, a range of one's own, and the currency. */
export function PriceFacet({ filters, buckets }: { filters: MarketFilters; buckets: Facets['price'] }) {
  return (
    <section class="facet" aria-labelledby="facet-price">
      <h3 id="facet-price">Price</h3>
      <CurrencySelect filters={filters} />
      <ul class="facet-list">
        <li>
          <FacetLink
            href={marketHref(filters, { minPrice: null, maxPrice: null })}
            current={filters.minPrice === null && filters.maxPrice === null}
            label="Any price"
          />
        </li>
        {buckets.map((b) => {
          // A bucket's max is exclusive; the API's max_price is inclusive.
          const maxPrice = b.max == null ? null : b.max - 1;
          return (
            <li key={b.min}>
              <FacetLink
                href={marketHref(filters, { minPrice: b.min || null, maxPrice })}
                current={(filters.minPrice ?? 0) === b.min && filters.maxPrice === maxPrice}
                count={b.count}
                label={bucketLabel(b.min, b.max ?? null, filters.currency)}
              />
            </li>
          );
        })}
      </ul>
      <PriceRange filters={filters} />
    </section>
  );
}

function CurrencySelect({ filters }: { filters: MarketFilters }) {
  function onChange(e: TargetedEvent<HTMLSelectElement>) {
    navigate(marketHref(filters, { currency: e.currentTarget.value }));
  }
  const known = CURRENCIES.includes(filters.currency) || !filters.currency;
  return (
    <div class="field compact">
      <label for="market-currency">Currency</label>
      <select id="market-currency" value={filters.currency} onChange={onChange}>
        <option value="">Any currency</option>
        {!known && <option value={filters.currency}>{filters.currency}</option>}
        {CURRENCIES.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

function PriceRange({ filters }: { filters: MarketFilters }) {
  const [error, setError] = useState('');
  // Without a currency, amounts of every currency compare as they are: read them as cents.
  const currency = filters.currency || 'EUR';
  const shown = (v: number | null) => (v === null ? '' : toMajor(v, currency));

  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const [min, max] = (['min', 'max'] as const).map((k) => String(data.get(k) ?? '').trim());
    const minPrice = min ? toMinor(min, currency) : null;
    const maxPrice = max ? toMinor(max, currency) : null;
    if ((min && minPrice === null) || (max && maxPrice === null)) {
      setError(`Enter amounts like ${fractionDigits(currency) ? '12.50' : '1200'}.`);
      return;
    }
    if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) {
      setError('The minimum is above the maximum.');
      return;
    }
    setError('');
    navigate(marketHref(filters, { minPrice, maxPrice }));
  }

  const key = `${filters.minPrice}-${filters.maxPrice}-${currency}`;
  return (
    <form class="price-range" onSubmit={onSubmit} noValidate aria-label="Price range">
      <div class="inline-controls">
        <div class="field compact">
          <label for="price-min">Minimum</label>
          <input
            id="price-min"
            key={key}
            name="min"
            inputMode="decimal"
            defaultValue={shown(filters.minPrice)}
            aria-describedby={error ? 'price-error' : undefined}
          />
        </div>
        <div class="field compact">
          <label for="price-max">Maximum</label>
          <input
            id="price-max"
            key={key}
            name="max"
            inputMode="decimal"
            defaultValue={shown(filters.maxPrice)}
            aria-describedby={error ? 'price-error' : undefined}
          />
        </div>
        <button type="submit" class="secondary">
          Apply
        </button>
      </div>
      {error && (
        <p id="price-error" class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** "Under €10.00", "€10.00 to €50.00", "€1,000.00 and up"; plain numbers without a currency. */
export function bucketLabel(min: number, max: number | null, currency: string): string {
  const fmt = (v: number) =>
    currency ? formatMoney({ amount: v, currency }) : new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(v / 100);
  if (min === 0 && max !== null) return `Under ${fmt(max)}`;
  if (max === null) return `${fmt(min)} and up`;
  return `${fmt(min)} to ${fmt(max)}`;
}
