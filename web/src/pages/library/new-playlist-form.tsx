import { useRef } from 'preact/hooks';
import { Field, FormError, useForm } from '../../components/form';
import { toast } from '../../lib/toast';
import type { Playlist } from '../../lib/types';
import { createPlaylist } from '../playlists/playlist-api';

/** Create a playlist: a name, and whether anyone with the link may see it. */
export function NewPlaylistForm({ onCreated }: { onCreated: (p: Playlist) => void }) {
  const formRef = useRef<HTMLFormElement>(null);
  const form = useForm(async (data) => {
    const created = await createPlaylist({ name: String(data.get('name') ?? '').trim(), public: data.get('public') === 'on' });
    onCreated(created);
    toast(`The playlist “${created.name}” is created.`, 'success');
    formRef.current?.reset();
  });
  return (
    <form ref={formRef} class="new-playlist" onSubmit={form.onSubmit} noValidate aria-labelledby="new-playlist-title">
      <h3 id="new-playlist-title">New playlist</h3>
      <FormError error={form.error} fields={['name']} />
      <Field name="name" id="library-playlist-name" label="Playlist name" required maxLength={100} errors={form.fieldErrors.name} />
      <div class="check">
        <input id="library-playlist-public" name="public" type="checkbox" />
        <label for="library-playlist-public">Public (anyone with the link can see it)</label>
      </div>
      <button type="submit" disabled={form.busy}>
        Create playlist
      </button>
    </form>
  );
}
