import { StatusBadge } from '../../components/status-badge';
import type { ListingStatus } from '../../lib/types';
import { LISTING_STATUS, LISTING_TONE } from './labels';

export function ListingStatusBadge({ status }: { status: ListingStatus }) {
  return <StatusBadge label={LISTING_STATUS[status] ?? status} tone={LISTING_TONE[status]} testId="listing-status" />;
}
