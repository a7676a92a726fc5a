import type { Facets } from '../../lib/types';
import { Facet, FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';

/** The most used tags among the matches; picking one narrows to listings with all picked. */
export function TagFacet({ filters, counts }: { filters: MarketFilters; counts: Facets['tags'] }) {
  const more = counts.filter((t) => !filters.tags.includes(t.tag));
  if (!more.length) return null;
  return (
    <Facet id="tags" title="Tags">
      <ul class="facet-list tag-facets">
        {more.map((t) => (
          <li key={t.tag}>
            <FacetLink href={marketHref(filters, { tags: [...filters.tags, t.tag] })} count={t.count} label={`#${t.tag}`} />
          </li>
        ))}
      </ul>
    </Facet>
  );
}
