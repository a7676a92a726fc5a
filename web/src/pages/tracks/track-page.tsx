import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { ApiError, api, humanMessage } from '../../lib/api';
import { formatDate, formatDuration } from '../../lib/format';
import { useSession, useTitle } from '../../lib/hooks';
import type { Track } from '../../lib/types';
import type { PageProps } from '../../routes';
import { AddToPlaylist } from './add-to-playlist';
import { Cover } from './cover';
import { FavoriteButton } from './favorite-button';
import { Player } from './player';
import { ReportTrack } from './report-track';
import { TrackEdit } from './track-edit';
import './tracks.css';

export function TrackPage({ params }: PageProps) {
  const user = useSession();
  const id = params.id!;
  const [track, setTrack] = useState<Track | null>(null);
  const [error, setError] = useState<unknown>(null);
  useTitle(track?.title);

  useEffect(() => {
    const ctrl = new AbortController();
    setTrack(null);
    setError(null);
    api<Track>('GET', `/tracks/${encodeURIComponent(id)}`, undefined, { signal: ctrl.signal }).then(setTrack, (e) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [id, user?.id]);

  if (error) {
    const missing = error instanceof ApiError && error.status === 404;
    return (
      <section class="status-page">
        <h1>{missing ? 'Track not found' : 'This track could not be loaded'}</h1>
        <p>{missing ? 'It was deleted, or it is private.' : humanMessage(error)}</p>
        <p>
          <a href="/tracks">Browse tracks</a>
        </p>
      </section>
    );
  }
  if (!track) return <Loading />;

  const mine = user?.id === track.owner.id;
  return (
    <article class="track-page">
      <header class="track-head">
        <Cover track={track} size={256} alt={`Cover of ${track.title}`} />
        <div class="track-head-text">
          <h1>{track.title}</h1>
          {track.artist && <p class="track-artist">{track.artist}</p>}
          <p class="muted">
            Uploaded by <a href={`/users/${encodeURIComponent(track.owner.username)}`}>{track.owner.username}</a> on{' '}
            {formatDate(track.created_at)}
            {track.visibility === 'private' && <span class="badge">Private</span>}
          </p>
          {track.tags.length > 0 && (
            <ul class="tags" aria-label="Tags">
              {track.tags.map((t) => (
                <li key={t}>
                  <a href={`/tracks?tag=${encodeURIComponent(t)}`}>#{t}</a>
                </li>
              ))}
            </ul>
          )}
        </div>
      </header>

      <Player track={track} />

      {user && (
        <div class="actions track-actions">
          <FavoriteButton track={track} />
          <AddToPlaylist track={track} />
          {!mine && <ReportTrack track={track} />}
        </div>
      )}

      <section aria-labelledby="track-details-title">
        <h2 id="track-details-title">Details</h2>
        <dl class="facts track-facts">
          {track.album && <Fact label="Album" value={track.album} />}
          {track.year && <Fact label="Year" value={String(track.year)} />}
          {track.genre && <Fact label="Genre" value={track.genre} />}
          {track.track_number && <Fact label="Track number" value={String(track.track_number)} />}
          <Fact label="Duration" value={formatDuration(track.duration_ms)} />
          <Fact label="Format" value={describeFormat(track)} />
          <Fact label="Plays" value={track.plays.toLocaleString()} />
        </dl>
      </section>

      {mine && <TrackEdit track={track} onSaved={setTrack} />}
    </article>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

/** "FLAC · 912 kbps · 44.1 kHz · stereo" */
function describeFormat(t: Track): string {
  const channels = t.channels === 1 ? 'mono' : t.channels === 2 ? 'stereo' : `${t.channels} channels`;
  return [
    t.format.toUpperCase(),
    `${Math.round(t.bitrate / 1000)} kbps`,
    `${(t.sample_rate / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 })} kHz`,
    channels,
  ].join(' · ');
}
