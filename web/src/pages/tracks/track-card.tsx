import type { ComponentChildren } from 'preact';
import { formatDuration } from '../../lib/format';
import { trackHref } from '../../lib/links';
import type { Track } from '../../lib/types';
import { Cover } from './cover';

interface Props {
  track: Track;
  /** A line under the facts (when it was played, say). */
  note?: ComponentChildren;
}

/** One track in a list: cover thumbnail, title (a link to its page), artist, duration. */
export function TrackCard({ track, note }: Props) {
  return (
    <li class="panel track-card" data-testid="track-card">
      <Cover track={track} size={64} />
      <div class="track-card-body">
        <a class="track-card-title" href={trackHref(track.id)}>
          {track.title}
        </a>
        <p class="track-card-artist">{track.artist || track.owner.username}</p>
        <p class="track-card-meta">
          <span>
            <span class="visually-hidden">Duration </span>
            {formatDuration(track.duration_ms)}
          </span>
          {track.visibility === 'private' && <span class="badge">Private</span>}
        </p>
        {note && <p class="track-card-meta">{note}</p>}
      </div>
    </li>
  );
}
