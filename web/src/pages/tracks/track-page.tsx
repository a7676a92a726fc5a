import { Fact } from '../../components/facts';
import { Report } from '../../components/report';
import { Loading, PageError } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { api } from '../../lib/api';
import { formatDate, formatDuration } from '../../lib/format';
import { useSession, useTitle } from '../../lib/hooks';
import { userHref } from '../../lib/links';
import type { Track } from '../../lib/types';
import type { PageProps } from '../../routes';
import { AddToPlaylist } from './add-to-playlist';
import { Cover } from './cover';
import { FavoriteButton } from './favorite-button';
import { Player } from './player';
import { TrackEdit } from './track-edit';
import './tracks.css';

export function TrackPage({ params }: PageProps) {
  const user = useSession();
  const id = params.id!;
  const loaded = useLoad((signal) => api<Track>('GET', `/tracks/${encodeURIComponent(id)}`, undefined, { signal }), [id, user?.id]);
  const track = loaded.data;
  useTitle(track?.title);

  if (loaded.error) {
    return (
      <PageError
        error={loaded.error}
        title="This track could not be loaded"
        missing={{ title: 'Track not found', text: 'It was deleted, or it is private.' }}
        onRetry={loaded.reload}
        back={{ href: '/tracks', label: 'Browse tracks' }}
      />
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
            Uploaded by <a href={userHref(track.owner.username)}>{track.owner.username}</a> on{' '}
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
          {!mine && <Report target_type="track" target_id={track.id} label="Report" />}
        </div>
      )}

      <section aria-labelledby="track-details-title">
        <h2 id="track-details-title">Details</h2>
        <dl class="facts track-facts">
          {track.album && <Fact label="Album">{track.album}</Fact>}
          {track.year && <Fact label="Year">{track.year}</Fact>}
          {track.genre && <Fact label="Genre">{track.genre}</Fact>}
          {track.track_number && <Fact label="Track number">{track.track_number}</Fact>}
          <Fact label="Duration">{formatDuration(track.duration_ms)}</Fact>
          <Fact label="Format">{describeFormat(track)}</Fact>
          <Fact label="Plays">{track.plays.toLocaleString()}</Fact>
        </dl>
      </section>

      {mine && <TrackEdit track={track} onSaved={loaded.setData} />}
    </article>
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
