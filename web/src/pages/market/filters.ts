// The market's filters live in the URL (/market?q=…&category=…): shareable, and the back
// button steps through them. These read the URL, write it, and turn it into the API's query.
import type { Condition, ListingSort } from '../../lib/types';
import { CONDITIONS, SORTS } from './labels';

export interface MarketFilters {
  q: string;
  /** A category's slug (the API takes an id or a slug). */
  category: string;
  /** Every listing shown carries all of them. */
  tags: string[];
  condition: Condition | '';
  /** Minor units, as in the API. */
  minPrice: number | null;
  maxPrice: number | null;
  currency: string;
  sort: ListingSort | '';
}

export function readFilters(query: URLSearchParams): MarketFilters {
  const condition = query.get('condition') ?? '';
  const sort = query.get('sort') ?? '';
  return {
    q: query.get('q')?.trim() ?? '',
    category: query.get('category') ?? '',
    tags: splitTags(query.get('tag') ?? ''),
    condition: CONDITIONS.some((c) => c.value === condition) ? (condition as Condition) : '',
    minPrice: amount(query.get('min_price')),
    maxPrice: amount(query.get('max_price')),
    currency: (query.get('currency') ?? '').toUpperCase(),
    sort: SORTS.some((s) => s.value === sort) ? (sort as ListingSort) : '',
  };
}

/** "a, b ,,c" -> ["a", "b", "c"] */
export function splitTags(raw: string): string[] {
  return [...new Set(raw.split(',').map((t) => t.trim()).filter(Boolean))];
}

/** The URL's parameters, in a fixed order; a relevance sort needs a search. */
export function toParams(f: MarketFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.category) p.set('category', f.category);
  if (f.tags.length) p.set('tag', f.tags.join(','));
  if (f.condition) p.set('condition', f.condition);
  if (f.minPrice !== null) p.set('min_price', String(f.minPrice));
  if (f.maxPrice !== null) p.set('max_price', String(f.maxPrice));
  if (f.currency) p.set('currency', f.currency);
  if (f.sort && !(f.sort === 'relevance' && !f.q)) p.set('sort', f.sort);
  return p;
}

/** The /market address of `f` changed by `change`. */
export function marketHref(f: MarketFilters, change: Partial<MarketFilters> = {}): string {
  const s = toParams({ ...f, ...change }).toString();
  return s ? `/market?${s}` : '/market';
}

export const NO_FILTERS: MarketFilters = {
  q: '',
  category: '',
  tags: [],
  condition: '',
  minPrice: null,
  maxPrice: null,
  currency: '',
  sort: '',
};

export function hasFilters(f: MarketFilters): boolean {
  return toParams({ ...f, sort: '' }).toString() !== '';
}

function amount(raw: string | null): number | null {
  if (raw === null || !/^\d{1,13}$/.test(raw)) return null;
  return Number(raw);
}
