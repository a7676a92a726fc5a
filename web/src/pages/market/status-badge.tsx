import type { ListingStatus } from '../../lib/types';
import { LISTING_STATUS } from './labels';

export function ListingStatusBadge({ status }: { status: ListingStatus }) {
  return (
    <span class={`badge status status-${status}`} data-testid="listing-status">
      {LISTING_STATUS[status] ?? status}
    </span>
  );
}
