// Words for the marketplace's enums, shared by the filters, cards, listing page and form.
import type { Tone } from '../../components/status-badge';
import type { Condition, ListingSort, ListingStatus } from '../../lib/types';

export const CONDITIONS: { value: Condition; label: string }[] = [
  { value: 'new', label: 'New' },
  { value: 'like_new', label: 'Like new' },
  { value: 'used', label: 'Used' },
  { value: 'for_parts', label: 'For parts' },
];

export function conditionLabel(c: Condition): string {
  return CONDITIONS.find((x) => x.value === c)?.label ?? c;
}

export const LISTING_STATUS: Record<ListingStatus, string> = {
  draft: 'Draft',
  active: 'For sale',
  reserved: 'Reserved',
  sold: 'Sold',
  archived: 'Archived',
  removed: 'Removed',
};

/** The dot beside each state: for sale, held for a deal, taken down; the rest plain. */
export const LISTING_TONE: Partial<Record<ListingStatus, Tone>> = { active: 'ok', reserved: 'busy', removed: 'bad' };

export const SORTS: { value: ListingSort; label: string }[] = [
  { value: 'relevance', label: 'Best match' },
  { value: 'newest', label: 'Newest first' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
];

/** The currencies offered in forms and filters; the node accepts any ISO 4217 code. */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'JPY', 'SEK', 'NOK', 'DKK', 'PLN'];
