import type { OfferStatus } from '../../lib/types';
import { OFFER_STATUS } from './labels';

export function OfferStatusBadge({ status, testId }: { status: OfferStatus; testId?: string }) {
  return (
    <span class={`badge status offer-${status}`} data-testid={testId}>
      {OFFER_STATUS[status] ?? status}
    </span>
  );
}
