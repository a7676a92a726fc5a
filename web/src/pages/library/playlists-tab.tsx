import { Empty, Loading } from '../../components/status';
import { formatDate } from '../../lib/format';
import { playlistHref } from '../../lib/links';
import { toast } from '../../lib/toast';
import { useMyPlaylists } from '../playlists/my-playlists';
import { NewPlaylistForm } from '../playlists/new-playlist-form';
import { trackCount } from '../tracks/track-count';

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
            <Empty>
              <p>No playlists yet: create one here, or from a track's “Add to playlist”.</p>
            </Empty>
          ) : (
            <ul class="playlist-cards" aria-label="My playlists">
              {playlists.map((p) => (
                <li key={p.id} class="panel playlist-card">
                  <a class="track-card-title" href={playlistHref(p.id)}>
                    {p.name}
                  </a>
                  <p class="track-card-meta">
                    {trackCount(p.track_count)} · {p.public ? 'Public' : 'Private'} · updated {formatDate(p.updated_at)}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </div>
        <NewPlaylistForm
          idPrefix="library-playlist"
          submitLabel="Create playlist"
          class="panel new-playlist"
          onCreated={(created) => {
            upsert(created);
            toast(`The playlist “${created.name}” is created.`, 'success');
          }}
        />
      </div>
    </>
  );
}
