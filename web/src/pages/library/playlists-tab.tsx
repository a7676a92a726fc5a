import { Loading } from '../../components/status';
import { formatDate } from '../../lib/format';
import { useMyPlaylists } from '../playlists/my-playlists';
import { trackCount } from '../tracks/track-count';
import { NewPlaylistForm } from './new-playlist-form';

export function PlaylistsTab() {
  const { playlists, upsert } = useMyPlaylists();
  return (
    <>
      <h2>Playlists</h2>
      <div class="playlists-tab">
        <div>
          {playlists === null ? (
            <Loading />
          ) : playlists.length === 0 ? (
            <div class="empty">
              <p>No playlists yet: create one here, or from a track's “Add to playlist”.</p>
            </div>
          ) : (
            <ul class="playlist-cards" aria-label="My playlists">
              {playlists.map((p) => (
                <li key={p.id} class="playlist-card">
                  <a class="track-card-title" href={`/playlists/${encodeURIComponent(p.id)}`}>
                    {p.name}
                  </a>
                  <p class="track-card-meta">
                    {trackCount(p.tracks.length)} · {p.public ? 'Public' : 'Private'} · updated {formatDate(p.updated_at)}
                  </p>
                </li>
              ))}
            </ul>
          )}
          <p class="hint">The playlists you created or opened in this browser.</p>
        </div>
        <NewPlaylistForm onCreated={upsert} />
      </div>
    </>
  );
}
