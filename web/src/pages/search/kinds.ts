// The four kinds of search results: how the API names them and how the page shows them.
import { searchHref as href } from '../../lib/links';
import type { SearchPage } from '../../lib/types';

export type Plural = keyof SearchPage['results'];

export interface Kind {
  /** `types=` of the API and the page's URL */
  key: 'listing' | 'track' | 'user' | 'room';
  /** the key of `results` and `counts` */
  plural: Plural;
  label: string;
}

export const KINDS: Kind[] = [
  { key: 'listing', plural: 'listings', label: 'Listings' },
  { key: 'track', plural: 'tracks', label: 'Tracks' },
  { key: 'user', plural: 'users', label: 'Users' },
  { key: 'room', plural: 'rooms', label: 'Rooms' },
];

export function kindOf(key: string | null): Kind | null {
  return KINDS.find((k) => k.key === key) ?? null;
}

/** "12", or "1000+" when the server stopped counting. */
export function countText(page: SearchPage, kind: Kind): string {
  const n = page.counts[kind.plural] ?? 0;
  return page.counts_at_least?.includes(kind.plural) ? `${n}+` : String(n);
}

export function searchHref(q: string, kind?: Kind | null): string {
  return href(q, kind?.key);
}
