import type { Facets } from '../../lib/types';
import { FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';
import { CONDITIONS } from './labels';

export function ConditionFacet({ filters, counts }: { filters: MarketFilters; counts: Facets['conditions'] }) {
  const byCondition = new Map(counts.map((c) => [c.condition, c.count]));
  return (
    <section class="facet" aria-labelledby="facet-condition">
      <h3 id="facet-condition">Condition</h3>
      <ul class="facet-list">
        <li>
          <FacetLink href={marketHref(filters, { condition: '' })} current={!filters.condition} label="Any condition" />
        </li>
        {CONDITIONS.map((c) => (
          <li key={c.value}>
            <FacetLink
              href={marketHref(filters, { condition: c.value })}
              current={filters.condition === c.value}
              count={byCondition.get(c.value) ?? 0}
              label={c.label}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
