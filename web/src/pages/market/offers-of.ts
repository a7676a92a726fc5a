import { api } from '../../lib/api';
import type { Offer, Page } from '../../lib/types';

/** Most offers anyone has as buyer or seller fit in a few pages; this bounds the walk. */
const MAX_PAGES = 5;

/** The caller's offers on one listing, as `role` (the API lists them across listings). */
export async function offersOn(listingId: string, role: 'buyer' | 'seller', signal?: AbortSignal): Promise<Offer[]> {
  const found: Offer[] = [];
  let cursor: string | null | undefined = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: Page<Offer> = await api<Page<Offer>>('GET', '/offers', undefined, {
      query: { role, limit: 100, cursor },
      ...(signal ? { signal } : {}),
    });
    found.push(...page.items.filter((o) => o.listing.id === listingId));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return found;
}
