import { formatMoney } from '../../lib/format';
import type { Listing } from '../../lib/types';
import { conditionLabel } from './labels';
import { ListingStatusBadge } from './status-badge';

export function ListingCard({ listing, category }: { listing: Listing; category: string | undefined }) {
  return (
    <article class="listing-card" data-testid="listing-card">
      <h3>
        <a href={`/market/listings/${encodeURIComponent(listing.id)}`}>{listing.title}</a>
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
