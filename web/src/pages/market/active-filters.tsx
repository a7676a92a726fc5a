import { formatMoney } from '../../lib/format';
import type { CategoryNode } from '../../lib/types';
import { flatten } from './categories';
import { NO_FILTERS, hasFilters, marketHref, type MarketFilters } from './filters';
import { conditionLabel } from './labels';

interface Chip {
  label: string;
  href: string;
}

/** The filters in force, each with a link that drops it, and one that drops them all. */
export function ActiveFilters({ filters, tree }: { filters: MarketFilters; tree: CategoryNode[] }) {
  if (!hasFilters(filters)) return null;
  const money = (v: number) => (filters.currency ? formatMoney({ amount: v, currency: filters.currency }) : String(v / 100));
  const category = flatten(tree).find((c) => c.slug === filters.category || c.id === filters.category);
  const chips: Chip[] = [];
  const add = (label: string, without: Partial<MarketFilters>) => chips.push({ label, href: marketHref(filters, without) });
  if (filters.q) add(`“${filters.q}”`, { q: '' });
  if (filters.category) add(`Category: ${category?.name ?? filters.category}`, { category: '' });
  for (const t of filters.tags) add(`#${t}`, { tags: filters.tags.filter((x) => x !== t) });
  if (filters.condition) add(`Condition: ${conditionLabel(filters.condition)}`, { condition: '' });
  if (filters.minPrice !== null) add(`From ${money(filters.minPrice)}`, { minPrice: null });
  if (filters.maxPrice !== null) add(`Up to ${money(filters.maxPrice)}`, { maxPrice: null });
  if (filters.currency) add(`In ${filters.currency}`, { currency: '' });

  return (
    <div class="active-filters">
      <h3 class="visually-hidden">Filters in use</h3>
      <ul class="chips">
        {chips.map((c) => (
          <li key={c.label} class="chip">
            <span>{c.label}</span>
            <a href={c.href} aria-label={`Remove filter ${c.label}`}>
              ×
            </a>
          </li>
        ))}
      </ul>
      <a href={marketHref(NO_FILTERS, { sort: filters.sort })}>Clear all filters</a>
    </div>
  );
}
