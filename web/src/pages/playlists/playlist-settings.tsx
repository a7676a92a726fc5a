import { CheckboxField, Field, FormError, useForm } from '../../components/form';
import type { Playlist } from '../../lib/types';

interface Props {
  playlist: Playlist;
  busy: boolean;
  onRename: (name: string) => Promise<void>;
  onPublic: (value: boolean) => void;
  onDelete: () => void;
}

/** The owner's settings: name, who can see it, delete. */
export function PlaylistSettings({ playlist, busy, onRename, onPublic, onDelete }: Props) {
  const form = useForm((data) => onRename(String(data.get('name') ?? '').trim()));
  return (
    <section class="playlist-settings" aria-labelledby="playlist-settings-title">
      <h2 id="playlist-settings-title">Playlist settings</h2>
      <form key={playlist.name} class="rename-form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['name']} />
        <Field
          name="name"
          id="playlist-name"
          label="Name"
          required
          maxLength={100}
          defaultValue={playlist.name}
          errors={form.fieldErrors.name}
        />
        <button type="submit" class="secondary" disabled={form.busy || busy}>
          Rename
        </button>
      </form>
      <CheckboxField
        id="playlist-public"
        label="Public playlist"
        hint="A public playlist can be opened by anyone with its link; private tracks in it stay private."
        checked={playlist.public}
        disabled={busy}
        onChange={(e) => onPublic(e.currentTarget.checked)}
      />
      <p>
        <button type="button" class="danger" disabled={busy} onClick={onDelete}>
          Delete playlist
        </button>
      </p>
    </section>
  );
}
