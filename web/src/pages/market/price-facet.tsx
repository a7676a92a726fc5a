import type { TargetedEvent, TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { formatMoney } from '../../lib/format';
import { navigate } from '../../lib/router';
import type { Facets } from '../../lib/types';
import { SelectField } from '../../components/form';
import { Facet, FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';
import { CURRENCIES } from './labels';
import { fractionDigits, toMajor, toMinor } from './money';

/** Price buckets with their counts, a range of one's own, and the currency. */
export function PriceFacet({ filters, buckets }: { filters: MarketFilters; buckets: Facets['price'] }) {
  return (
    <Facet id="price" title="Price">
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
    </Facet>
  );
}

function CurrencySelect({ filters }: { filters: MarketFilters }) {
  function onChange(e: TargetedEvent<HTMLSelectElement>) {
    navigate(marketHref(filters, { currency: e.currentTarget.value }));
  }
  const known = CURRENCIES.includes(filters.currency) || !filters.currency;
  const codes = known ? CURRENCIES : [filters.currency, ...CURRENCIES];
  const options = [{ value: '', label: 'Any currency' }, ...codes.map((c) => ({ value: c, label: c }))];
  return (
    <SelectField name="currency" id="market-currency" label="Currency" fieldClass="compact" value={filters.currency} onChange={onChange} options={options} />
  );
}

const BOUNDS = [
  { name: 'min', label: 'Minimum', filter: 'minPrice' },
  { name: 'max', label: 'Maximum', filter: 'maxPrice' },
] as const;

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
        {BOUNDS.map((b) => (
          <div key={b.name} class="field compact">
            <label for={`price-${b.name}`}>{b.label}</label>
            <input
              id={`price-${b.name}`}
              key={key}
              name={b.name}
              inputMode="decimal"
              defaultValue={shown(filters[b.filter])}
              aria-describedby={error ? 'price-error' : undefined}
            />
          </div>
        ))}
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
