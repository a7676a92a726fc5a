// The category tree, fetched once and kept for a minute: every market page needs it and it
// rarely changes.
import { api } from '../../lib/api';
import type { CategoryNode } from '../../lib/types';

const KEEP_MS = 60_000;
let cached: { at: number; tree: Promise<CategoryNode[]> } | null = null;

export function loadCategories(): Promise<CategoryNode[]> {
  if (cached && Date.now() - cached.at < KEEP_MS) return cached.tree;
  const tree = api<CategoryNode[]>('GET', '/categories', undefined, { auth: false });
  cached = { at: Date.now(), tree };
  tree.catch(() => {
    if (cached?.tree === tree) cached = null;
  });
  return tree;
}

export interface FlatCategory {
  id: string;
  name: string;
  slug: string;
  depth: number;
}

/** Depth-first, in each level's order: for a <select> and for lookups by id. */
export function flatten(tree: CategoryNode[], depth = 0): FlatCategory[] {
  return [...tree]
    .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
    .flatMap((c) => [{ id: c.id, name: c.name, slug: c.slug, depth }, ...flatten(c.children, depth + 1)]);
}
