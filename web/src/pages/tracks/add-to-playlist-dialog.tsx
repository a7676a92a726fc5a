import { useRef, useState } from 'preact/hooks';
import { Field, FormError, useForm } from '../../components/form';
import { Loading } from '../../components/status';
import { ApiError, humanMessage } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { Playlist, Track } from '../../lib/types';
import { useMyPlaylists } from '../playlists/my-playlists';
import { addToPlaylist, createPlaylist } from '../playlists/playlist-api';
import { Dialog } from './dialog';
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
  const newForm = useRef<HTMLFormElement>(null);

  async function add(p: Playlist) {
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

  const form = useForm(async (data) => {
    const created = await createPlaylist({ name: String(data.get('name') ?? '').trim(), public: data.get('public') === 'on' });
    upsert(created);
    await add(created);
    newForm.current?.reset();
  });

  const contains = (p: Playlist) => p.tracks.some((e) => e.track.id === track.id);

  return (
    <Dialog title="Add to a playlist" onClose={onClose}>
      {added && (
        <p class="notice" role="status">
          Added to <a href={`/playlists/${encodeURIComponent(added.id)}`}>{added.name}</a>.
        </p>
      )}
      {!!error && (
        <p class="form-error" role="alert">
          {addMessage(error)}
        </p>
      )}
      <h3>Your playlists</h3>
      {playlists === null ? (
        <Loading />
      ) : playlists.length === 0 ? (
        <p class="muted">You have no playlists yet: create one below.</p>
      ) : (
        <ul class="playlist-choices">
          {playlists.map((p) => (
            <li key={p.id}>
              <button type="button" class="secondary wide" disabled={busy || contains(p)} onClick={() => add(p)}>
                <span class="choice-name">{p.name}</span>
                <span class="choice-meta">{contains(p) ? 'Already in it' : trackCount(p.tracks.length)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>New playlist</h3>
      <form ref={newForm} class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['name']} />
        <Field name="name" id="new-playlist-name" label="Playlist name" required maxLength={100} errors={form.fieldErrors.name} />
        <div class="check">
          <input id="new-playlist-public" name="public" type="checkbox" />
          <label for="new-playlist-public">Public (anyone with the link can see it)</label>
        </div>
        <button type="submit" disabled={form.busy || busy}>
          Create and add
        </button>
      </form>
    </Dialog>
  );
}

function addMessage(e: unknown): string {
  if (e instanceof ApiError && e.code === 'track_in_playlist') return 'This track is already in that playlist.';
  if (e instanceof ApiError && e.code === 'playlist_full') return 'That playlist is full: remove some tracks first.';
  return humanMessage(e);
}
