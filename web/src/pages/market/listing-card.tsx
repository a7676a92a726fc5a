import { formatMoney } from '../../lib/format';
import { listingHref } from '../../lib/links';
import type { Listing } from '../../lib/types';
import { conditionLabel } from './labels';
import { ListingStatusBadge } from './status-badge';

export function ListingCard({ listing, category }: { listing: Listing; category: string | undefined }) {
  return (
    <article class="card listing-card" data-testid="listing-card">
      <h3>
        <a href={listingHref(listing.id)}>{listing.title}</a>
      </h3>
      <p class="listing-price">{formatMoney(listing.price)}</p>
      <p class="listing-meta">
        {conditionLabel(listing.condition)}
        {category && <> · {category}</>}
      </p>
      <p class="listing-meta">Sold by {listing.seller.username}</p>
      <ListingStatusBadge status={listing.status} />
    </article>
  );
}
