// The results of one kind, as a list.
import type { SearchPage } from '../../lib/types';
import type { Kind } from './kinds';
import { ListingResult, RoomResult, TrackResult, UserResult } from './result-items';

export function resultCount(page: SearchPage, kind: Kind): number {
  return page.results[kind.plural]?.length ?? 0;
}

export function ResultList({ page, kind, labelledBy }: { page: SearchPage; kind: Kind; labelledBy?: string }) {
  const r = page.results;
  return (
    <ul class="results" aria-labelledby={labelledBy}>
      {kind.key === 'listing' && r.listings?.map((hit) => <ListingResult key={hit.id} hit={hit} />)}
      {kind.key === 'track' && r.tracks?.map((hit) => <TrackResult key={hit.id} hit={hit} />)}
      {kind.key === 'user' && r.users?.map((hit) => <UserResult key={hit.id} hit={hit} />)}
      {kind.key === 'room' && r.rooms?.map((hit) => <RoomResult key={hit.id} hit={hit} />)}
    </ul>
  );
}

/** `more` appended to `page`'s results of `kind` (the next page of one kind). */
export function appendPage(page: SearchPage, more: SearchPage, kind: Kind): SearchPage {
  const results = { ...page.results, [kind.plural]: [...(page.results[kind.plural] ?? []), ...(more.results[kind.plural] ?? [])] };
  return { ...more, results, counts: { ...page.counts, ...more.counts } };
}
