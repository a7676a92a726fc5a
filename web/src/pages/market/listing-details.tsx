import { formatDate } from '../../lib/format';
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
        <dt>Condition</dt>
        <dd>{conditionLabel(listing.condition)}</dd>
        <dt>Category</dt>
        <dd>{category ? <a href={`/market?category=${encodeURIComponent(category.slug)}`}>{category.name}</a> : 'Unknown'}</dd>
        {listing.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              <ul class="tag-list">
                {listing.tags.map((t) => (
                  <li key={t}>
                    <a href={`/market?tag=${encodeURIComponent(t)}`}>#{t}</a>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>Seller</dt>
        <dd>
          <a href={`/users/${encodeURIComponent(listing.seller.username)}`}>{listing.seller.username}</a>
        </dd>
        {listing.track_id && (
          <>
            <dt>Track</dt>
            <dd>
              <a href={`/tracks/${encodeURIComponent(listing.track_id)}`}>Listen to the attached track</a>
            </dd>
          </>
        )}
        <dt>{listing.published_at ? 'Listed' : 'Created'}</dt>
        <dd>{formatDate(listing.published_at ?? listing.created_at)}</dd>
      </dl>
    </div>
  );
}
