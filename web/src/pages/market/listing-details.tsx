import { Fact } from '../../components/facts';
import { formatDate } from '../../lib/format';
import { trackHref, userHref } from '../../lib/links';
import type { Listing } from '../../lib/types';
import type { FlatCategory } from './categories';
import { conditionLabel } from './labels';

/** What the seller wrote, and the listing's facts with links to browse more like it. */
export function ListingDetails({ listing, category }: { listing: Listing; category: FlatCategory | undefined }) {
  const paragraphs = listing.description.split(/\n{2,}/).filter((p) => p.trim());
  return (
    <div class="listing-details">
      <h2>Description</h2>
      {paragraphs.length ? (
        <div class="listing-description">
          {paragraphs.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        </div>
      ) : (
        <p class="muted">The seller wrote no description.</p>
      )}
      <h2>Details</h2>
      <dl class="facts listing-facts">
        <Fact label="Condition">{conditionLabel(listing.condition)}</Fact>
        <Fact label="Category">
          {category ? <a href={`/market?category=${encodeURIComponent(category.slug)}`}>{category.name}</a> : 'Unknown'}
        </Fact>
        {listing.tags.length > 0 && (
          <Fact label="Tags">
            <ul class="tag-list">
              {listing.tags.map((t) => (
                <li key={t}>
                  <a href={`/market?tag=${encodeURIComponent(t)}`}>#{t}</a>
                </li>
              ))}
            </ul>
          </Fact>
        )}
        <Fact label="Seller">
          <a href={userHref(listing.seller.username)}>{listing.seller.username}</a>
        </Fact>
        {listing.track_id && (
          <Fact label="Track">
            <a href={trackHref(listing.track_id)}>Listen to the attached track</a>
          </Fact>
        )}
        <Fact label={listing.published_at ? 'Listed' : 'Created'}>{formatDate(listing.published_at ?? listing.created_at)}</Fact>
      </dl>
    </div>
  );
}
