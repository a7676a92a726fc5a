import type { ComponentChildren } from 'preact';
import { MoreButton, type Paged } from '../../components/paged';
import { Empty, LoadError, Loading } from '../../components/status';
import type { Track } from '../../lib/types';
import { TrackCard } from './track-card';

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
  if (error && !items?.length) return <LoadError error={error} onRetry={paged.reload} />;
  if (items === null) return <Loading />;
  if (!items.length) return <Empty>{empty}</Empty>;
  return (
    <>
      <ul class="track-list" aria-label={label}>
        {items.map((item) => (
          <TrackCard key={keyOf ? keyOf(item) : trackOf(item).id} track={trackOf(item)} note={noteOf?.(item)} />
        ))}
      </ul>
      <MoreButton paged={paged} label="Show more" />
    </>
  );
}
