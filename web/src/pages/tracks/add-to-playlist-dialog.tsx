import { useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog';
import { FormError } from '../../components/form';
import { Loading } from '../../components/status';
import { playlistHref } from '../../lib/links';
import { toast } from '../../lib/toast';
import type { Playlist, Track } from '../../lib/types';
import { useMyPlaylists } from '../playlists/my-playlists';
import { NewPlaylistForm } from '../playlists/new-playlist-form';
import { addToPlaylist } from '../playlists/playlist-api';
import { trackCount } from './track-count';

interface Props {
  track: Track;
  onClose: () => void;
}

export function AddToPlaylistDialog({ track, onClose }: Props) {
  const { playlists, upsert } = useMyPlaylists();
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<Playlist | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function add(p: Pick<Playlist, 'id'>) {
    setBusy(true);
    setError(null);
    try {
      const updated = await addToPlaylist(p, track.id);
      upsert(updated);
      setAdded(updated);
      toast(`Added “${track.title}” to ${updated.name}.`, 'success');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Add to a playlist" onClose={onClose} closeButton>
      {added && (
        <p class="notice" role="status">
          Added to <a href={playlistHref(added.id)}>{added.name}</a>.
        </p>
      )}
      <FormError error={error} />
      <h3>Your playlists</h3>
      {playlists === null ? (
        <Loading />
      ) : playlists.length === 0 ? (
        <p class="muted">You have no playlists yet: create one below.</p>
      ) : (
        <ul class="playlist-choices">
          {playlists.map((p) => (
            <li key={p.id}>
              <button type="button" class="secondary wide" disabled={busy} onClick={() => add(p)}>
                <span class="choice-name">{p.name}</span>
                <span class="choice-meta">{trackCount(p.track_count)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <NewPlaylistForm
        idPrefix="new-playlist"
        submitLabel="Create and add"
        class="stack"
        disabled={busy}
        onCreated={(created) => {
          upsert(created);
          return add(created);
        }}
      />
    </Dialog>
  );
}
