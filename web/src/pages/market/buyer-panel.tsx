import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { isAbortError } from '../../lib/api';
import { formatMoney } from '../../lib/format';
import { offerHref } from '../../lib/links';
import { toastError } from '../../lib/toast';
import type { Listing, Offer } from '../../lib/types';
import { OfferStatusBadge } from '../offers/status-badge';
import { MakeOfferForm } from './make-offer-form';
import { offersOn } from './offers-of';

const IN_PLAY = ['pending', 'countered', 'accepted', 'completed'];

/** For a logged-in buyer: their offer on this listing if they have one, else the offer form. */
export function BuyerPanel({ listing, version }: { listing: Listing; version: number }) {
  const [mine, setMine] = useState<Offer[] | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    offersOn(listing.id, 'buyer', ctl.signal).then(setMine, (e) => {
      if (isAbortError(e)) return;
      toastError(e);
      setMine((m) => m ?? []);
    });
    return () => ctl.abort();
  }, [listing.id, version]);

  if (mine === null) return <Loading label="Checking your offers…" />;
  const current = mine.find((o) => IN_PLAY.includes(o.status));
  if (current) {
    return (
      <section class="panel" aria-labelledby="your-offer-heading">
        <h2 id="your-offer-heading">{current.status === 'completed' ? 'You bought this' : 'Your offer'}</h2>
        <p>
          {formatMoney(current.amount)} <OfferStatusBadge status={current.status} />
        </p>
        <a class="button" href={offerHref(current.id)}>
          View your offer
        </a>
      </section>
    );
  }
  if (listing.status !== 'active') return null;
  return (
    <section class="panel" aria-labelledby="make-offer-heading">
      <h2 id="make-offer-heading">Make an offer</h2>
      <MakeOfferForm listing={listing} />
    </section>
  );
}
