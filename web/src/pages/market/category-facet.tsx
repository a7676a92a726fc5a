import type { CategoryNode, Facets } from '../../lib/types';
import { Facet, FacetLink } from './facet-link';
import { marketHref, type MarketFilters } from './filters';

interface Props {
  filters: MarketFilters;
  tree: CategoryNode[];
  counts: Facets['categories'];
}

/**
 * The category tree as a drill-down: the top level, or the chosen category's ancestors, itself
 * and its children; each with the number of matching listings under it.
 */
export function CategoryFacet({ filters, tree, counts }: Props) {
  const totals = new Map(counts.map((c) => [c.id, c.total]));
  const path = filters.category ? pathTo(tree, filters.category) : [];
  const chosen = path.at(-1);
  const shown = chosen ? chosen.children : tree;
  const link = (c: CategoryNode, current = false) => (
    <FacetLink href={marketHref(filters, { category: c.slug })} current={current} count={totals.get(c.id) ?? 0} label={c.name} />
  );

  return (
    <Facet id="category" title="Category">
      <ul class="facet-list">
        <li>
          <FacetLink href={marketHref(filters, { category: '' })} current={!filters.category} label="All categories" />
        </li>
        {path.map((c, depth) => (
          <li key={c.id} class={`facet-depth-${Math.min(depth, 3)}`}>
            {link(c, c === chosen)}
          </li>
        ))}
      </ul>
      {shown.length > 0 && (
        <ul class={`facet-list facet-depth-${Math.min(path.length, 4)}`}>
          {sorted(shown).map((c) => (
            <li key={c.id}>{link(c)}</li>
          ))}
        </ul>
      )}
      {tree.length === 0 && <p class="muted">No categories yet.</p>}
    </Facet>
  );
}

function sorted(nodes: CategoryNode[]): CategoryNode[] {
  return [...nodes].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}

/** The chain from a top-level category down to the one named by `key` (slug or id). */
function pathTo(nodes: CategoryNode[], key: string): CategoryNode[] {
  for (const c of nodes) {
    if (c.slug === key || c.id === key) return [c];
    const below = pathTo(c.children, key);
    if (below.length) return [c, ...below];
  }
  return [];
}
