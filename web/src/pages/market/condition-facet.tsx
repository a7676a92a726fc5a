import type { Facets } from '../../lib/types';
import { Facet, FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';
import { CONDITIONS } from './labels';

export function ConditionFacet({ filters, counts }: { filters: MarketFilters; counts: Facets['conditions'] }) {
  const byCondition = new Map(counts.map((c) => [c.condition, c.count]));
  return (
    <Facet id="condition" title="Condition">
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
    </Facet>
  );
}
