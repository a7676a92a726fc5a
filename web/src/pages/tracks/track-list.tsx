import type { ComponentChildren } from 'preact';
import { Loading } from '../../components/status';
import type { Track } from '../../lib/types';
import { LoadError } from './load-error';
import { TrackCard } from './track-card';
import type { Paged } from './use-paged';

interface Props<T> {
  paged: Paged<T>;
  trackOf: (item: T) => Track;
  keyOf?: (item: T) => string;
  noteOf?: (item: T) => ComponentChildren;
  /** What to say when there is nothing (a link to act on it, say). */
  empty: ComponentChildren;
  label: string;
}

/** A paged list of track cards with its loading, error, empty and "more" states. */
export function TrackList<T>({ paged, trackOf, keyOf, noteOf, empty, label }: Props<T>) {
  const { items, error } = paged;
  if (items === null) return <Loading />;
  if (error && !items.length) return <LoadError error={error} onRetry={paged.reload} />;
  if (!items.length) return <div class="empty">{empty}</div>;
  return (
    <>
      <ul class="track-list" aria-label={label}>
        {items.map((item) => (
          <TrackCard key={keyOf ? keyOf(item) : trackOf(item).id} track={trackOf(item)} note={noteOf?.(item)} />
        ))}
      </ul>
      {paged.hasMore && (
        <p class="more">
          <button type="button" class="secondary" disabled={paged.loadingMore} onClick={paged.more}>
            {paged.loadingMore ? 'Loading…' : 'Show more'}
          </button>
        </p>
      )}
    </>
  );
}
