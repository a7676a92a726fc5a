import type { CategoryNode, Facets } from '../../lib/types';
import { CategoryFacet } from './category-facet';
import { ConditionFacet } from './condition-facet';
import type { MarketFilters } from './filters';
import { PriceFacet } from './price-facet';
import { SearchForm } from './search-form';
import { TagFacet } from './tag-facet';

const NO_FACETS: Facets = { categories: [], conditions: [], price: [], tags: [] };

/** Every filter, with the counts of the current results next to each value. */
export function FilterSidebar({ filters, facets, tree }: { filters: MarketFilters; facets: Facets | null; tree: CategoryNode[] }) {
  const f = facets ?? NO_FACETS;
  return (
    <aside class="market-filters" aria-labelledby="filters-heading">
      <h2 id="filters-heading">Filters</h2>
      <SearchForm filters={filters} />
      <CategoryFacet filters={filters} tree={tree} counts={f.categories} />
      <ConditionFacet filters={filters} counts={f.conditions} />
      <PriceFacet filters={filters} buckets={f.price} />
      <TagFacet filters={filters} counts={f.tags} />
    </aside>
  );
}
