import { StatusBadge } from '../../components/status-badge';
import type { OfferStatus } from '../../lib/types';
import { OFFER_STATUS, OFFER_TONE } from './labels';

export function OfferStatusBadge({ status, testId }: { status: OfferStatus; testId?: string }) {
  return <StatusBadge label={OFFER_STATUS[status] ?? status} tone={OFFER_TONE[status]} testId={testId} />;
}
