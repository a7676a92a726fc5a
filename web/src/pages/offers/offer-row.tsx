import { formatMoney } from '../../lib/format';
import { offerHref } from '../../lib/links';
import type { Offer } from '../../lib/types';
import { turnText, type Side } from './labels';
import { OfferStatusBadge } from './status-badge';

export function OfferRow({ offer, side }: { offer: Offer; side: Side }) {
  const turn = turnText(offer, side);
  return (
    <li class="panel offer-row" data-testid="offer-row">
      <div class="offer-row-main">
        <h2 class="offer-row-title">
          <a href={offerHref(offer.id)}>{offer.listing.title}</a>
        </h2>
        <p class="muted small">{side === 'buyer' ? `Sold by ${offer.seller.username}` : `Offer from ${offer.buyer.username}`}</p>
      </div>
      <p class="offer-amount">{formatMoney(offer.amount)}</p>
      <OfferStatusBadge status={offer.status} />
      <p class={turn.startsWith('Your turn') ? 'turn mine' : 'turn'}>{turn}</p>
    </li>
  );
}
