import { Fact } from '../../components/facts';
import { formatDateTime, formatMoney } from '../../lib/format';
import { listingHref, userHref } from '../../lib/links';
import type { Offer, UserRef } from '../../lib/types';
import { isOpen, turnText, type Side } from './labels';
import { OfferStatusBadge } from './status-badge';

/** Where the offer stands: amount, status, whose move it is, the parties and the listing. */
export function OfferSummary({ offer, side }: { offer: Offer; side: Side | null }) {
  const turn = turnText(offer, side);
  const settled = offer.status === 'accepted' || offer.status === 'completed';
  return (
    <section class="panel offer-summary" aria-labelledby="offer-summary-heading">
      <h2 id="offer-summary-heading" class="visually-hidden">
        Summary
      </h2>
      <p class="offer-amount big">
        <span>{formatMoney(offer.amount)}</span>
        <OfferStatusBadge status={offer.status} testId="offer-status" />
      </p>
      <p class={turn.startsWith('Your turn') ? 'turn mine' : 'turn'} data-testid="offer-turn" role="status">
        {turn}
      </p>
      <dl class="facts">
        <Fact label="Listing">
          <a href={listingHref(offer.listing.id)}>{offer.listing.title}</a>
        </Fact>
        <Fact label="Buyer">
          <Party user={offer.buyer} you={side === 'buyer'} />
          {settled && <Confirmed done={offer.buyer_confirmed} />}
        </Fact>
        <Fact label="Seller">
          <Party user={offer.seller} you={side === 'seller'} />
          {settled && <Confirmed done={offer.seller_confirmed} />}
        </Fact>
        {offer.message && (
          <Fact label="Message">
            <span class="offer-message">{offer.message}</span>
          </Fact>
        )}
        {isOpen(offer.status) && offer.expires_at && <Fact label="Expires">{formatDateTime(offer.expires_at)}</Fact>}
      </dl>
    </section>
  );
}

function Party({ user, you }: { user: UserRef; you: boolean }) {
  return (
    <>
      <a href={userHref(user.username)}>{user.username}</a>
      {you && ' (you)'}
    </>
  );
}

function Confirmed({ done }: { done: boolean }) {
  return <span class={done ? 'confirmed yes' : 'confirmed'}>{done ? ' · confirmed the exchange' : ' · has not confirmed yet'}</span>;
}
