import { useState } from 'preact/hooks';
import { Report } from '../../components/report';
import { Loading } from '../../components/status';
import { formatMoney } from '../../lib/format';
import { useSession, useTitle } from '../../lib/hooks';
import { loginHref } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { PageProps } from '../../routes';
import { useOfferEvents } from '../offers/live';
import { BuyerPanel } from './buyer-panel';
import { ListingDetails } from './listing-details';
import { ListingGone } from './listing-gone';
import { ListingOffers } from './listing-offers';
import { SellerActions } from './seller-actions';
import { ListingStatusBadge } from './status-badge';
import { useCategoryList } from './use-category-list';
import { useListing } from './use-listing';

/** One listing: for its seller, the controls and the offers; for others, the way to buy it. */
export function ListingPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useSession();
  const { listing, error, setListing, reload } = useListing(id);
  const categories = useCategoryList();
  // Bumped to fetch the offers again when one of them changed.
  const [version, setVersion] = useState(0);
  useTitle(listing?.title);

  // An offer on this listing changed (accepting reserves it, completing sells it), or the
  // connection came back and something may have been missed: ask again.
  useOfferEvents((offer, kind) => {
    if (offer && offer.listing?.id !== id) return;
    if (kind === 'offer.created' && offer?.buyer && offer.seller?.id === user?.id) {
      toast(`New offer from ${offer.buyer.username}.`);
    }
    void reload();
    setVersion((v) => v + 1);
  });

  if (error) return <ListingGone error={error} onRetry={() => void reload()} />;
  if (!listing) return <Loading label="Loading the listing…" />;

  const isSeller = user?.id === listing.seller.id;
  const category = categories?.find((c) => c.id === listing.category_id);

  return (
    <article class="listing-page" data-testid="listing">
      <p class="breadcrumb">
        <a href="/market">Market</a>
        {category && (
          <>
            {' › '}
            <a href={`/market?category=${encodeURIComponent(category.slug)}`}>{category.name}</a>
          </>
        )}
      </p>
      <header class="listing-head">
        <h1>{listing.title}</h1>
        <p class="listing-price big">
          {formatMoney(listing.price)} <ListingStatusBadge status={listing.status} />
        </p>
      </header>
      <div class="listing-layout">
        <ListingDetails listing={listing} category={category} />
        <div class="listing-side">
          {isSeller ? (
            <>
              <SellerActions listing={listing} onChange={setListing} onStale={() => void reload()} />
              {listing.status !== 'draft' && <ListingOffers listingId={listing.id} version={version} />}
            </>
          ) : user ? (
            <BuyerPanel listing={listing} version={version} />
          ) : (
            listing.status === 'active' && (
              <p class="panel">
                <a href={loginHref()}>Log in</a> to make an offer.
              </p>
            )
          )}
          {!isSeller && listing.status !== 'active' && listing.status !== 'draft' && (
            <p class="muted">This listing is {listing.status === 'sold' ? 'sold' : `not for sale right now (${listing.status})`}.</p>
          )}
          {user && !isSeller && <Report target_type="listing" target_id={listing.id} label="Report listing" />}
        </div>
      </div>
    </article>
  );
}
