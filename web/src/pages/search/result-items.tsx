// One search result of each kind: a link to its page, its highlighted snippets, a few facts.
import { formatDuration, formatMoney } from '../../lib/format';
import type { Condition, SearchPage } from '../../lib/types';
import { Highlighted } from './highlight';

type Results = SearchPage['results'];
export type ListingHit = NonNullable<Results['listings']>[number];
export type TrackHit = NonNullable<Results['tracks']>[number];
export type UserHit = NonNullable<Results['users']>[number];
export type RoomHit = NonNullable<Results['rooms']>[number];

const CONDITION: Record<Condition, string> = { new: 'New', like_new: 'Like new', used: 'Used', for_parts: 'For parts' };

export function ListingResult({ hit }: { hit: ListingHit }) {
  const h = hit.highlight;
  return (
    <li class="result">
      <h3 class="result-title">
        <a href={`/market/listings/${encodeURIComponent(hit.id)}`}>
          <Highlighted html={h.title} fallback={hit.title} />
        </a>
      </h3>
      <p class="result-meta">
        {formatMoney(hit.price)} · {CONDITION[hit.condition] ?? hit.condition} · sold by {hit.seller.username}
        {hit.status !== 'active' && <span class="badge">{hit.status}</span>}
      </p>
      {h.description && (
        <p class="snippet">
          <Highlighted html={h.description} />
        </p>
      )}
      {h.tags && (
        <p class="snippet">
          Tags: <Highlighted html={h.tags} />
        </p>
      )}
    </li>
  );
}

export function TrackResult({ hit }: { hit: TrackHit }) {
  const h = hit.highlight;
  const artist = h.artist || hit.artist;
  const album = h.album || hit.album;
  return (
    <li class="result">
      <h3 class="result-title">
        <a href={`/tracks/${encodeURIComponent(hit.id)}`}>
          <Highlighted html={h.title} fallback={hit.title} />
        </a>
      </h3>
      <p class="result-meta">
        {artist && (
          <>
            <Highlighted html={h.artist} fallback={hit.artist} />
            {' · '}
          </>
        )}
        {album && (
          <>
            <Highlighted html={h.album} fallback={hit.album} />
            {' · '}
          </>
        )}
        {formatDuration(hit.duration_ms)} · shared by {hit.owner.username}
      </p>
      {h.tags && (
        <p class="snippet">
          Tags: <Highlighted html={h.tags} />
        </p>
      )}
    </li>
  );
}

export function UserResult({ hit }: { hit: UserHit }) {
  const h = hit.highlight;
  return (
    <li class="result">
      <h3 class="result-title">
        <a href={`/users/${encodeURIComponent(hit.username)}`}>
          <Highlighted html={h.username} fallback={hit.username} />
        </a>
      </h3>
      {(h.display_name || hit.display_name) && (
        <p class="result-meta">
          <Highlighted html={h.display_name} fallback={hit.display_name} />
        </p>
      )}
      {(h.bio || hit.bio) && (
        <p class="snippet">
          <Highlighted html={h.bio} fallback={hit.bio} />
        </p>
      )}
    </li>
  );
}

export function RoomResult({ hit }: { hit: RoomHit }) {
  const h = hit.highlight;
  return (
    <li class="result">
      <h3 class="result-title">
        <a href={`/rooms/${encodeURIComponent(hit.id)}`}>
          <Highlighted html={h.name} fallback={hit.name} />
        </a>
      </h3>
      <p class="result-meta">
        {hit.member_count} member{hit.member_count === 1 ? '' : 's'}
        {hit.visibility === 'private' && <span class="badge">Private</span>}
      </p>
      {(h.topic || hit.topic) && (
        <p class="snippet">
          <Highlighted html={h.topic} fallback={hit.topic} />
        </p>
      )}
    </li>
  );
}
