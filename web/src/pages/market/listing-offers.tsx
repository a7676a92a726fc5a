import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { isAbortError } from '../../lib/api';
import { formatDateTime, formatMoney } from '../../lib/format';
import { offerHref } from '../../lib/links';
import { toastError } from '../../lib/toast';
import type { Offer } from '../../lib/types';
import { turnText } from '../offers/labels';
import { OfferStatusBadge } from '../offers/status-badge';
import { offersOn } from './offers-of';
import '../offers/offers.css';

/** The offers buyers made on the seller's listing; `version` changes to fetch them again. */
export function ListingOffers({ listingId, version }: { listingId: string; version: number }) {
  const [offers, setOffers] = useState<Offer[] | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    offersOn(listingId, 'seller', ctl.signal).then(setOffers, (e) => {
      if (isAbortError(e)) return;
      toastError(e);
      setOffers((o) => o ?? []);
    });
    return () => ctl.abort();
  }, [listingId, version]);

  return (
    <section class="panel" aria-labelledby="listing-offers-heading">
      <h2 id="listing-offers-heading">Offers</h2>
      {offers === null ? (
        <Loading label="Loading offers…" />
      ) : offers.length === 0 ? (
        <p class="muted">No offers yet. They appear here as soon as buyers make them.</p>
      ) : (
        <ul class="offer-list compact" data-testid="listing-offers">
          {offers.map((o) => (
            <li key={o.id} class="panel offer-row">
              <a href={offerHref(o.id)}>
                Offer from {o.buyer.username}: {formatMoney(o.amount)}
              </a>
              <OfferStatusBadge status={o.status} />
              <p class="muted small">
                {[turnText(o, 'seller'), `last change ${formatDateTime(o.updated_at)}`].filter(Boolean).join(' · ')}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
