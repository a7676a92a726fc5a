import { useRef } from 'preact/hooks';
import { CheckboxField, Field, FormError, useForm } from '../../components/form';
import type { Playlist } from '../../lib/types';
import { createPlaylist } from './playlist-api';

interface Props {
  /** Prefix of the form's ids: the library and the "Add to playlist" dialog may both be open. */
  idPrefix: string;
  submitLabel: string;
  /** What follows the creation (a toast, adding a track); the form is emptied after it. */
  onCreated: (p: Playlist) => unknown;
  /** Held back while the page does something else. */
  disabled?: boolean;
  class?: string;
}

/** Create a playlist: a name, and whether anyone with the link may see it. */
export function NewPlaylistForm({ idPrefix, submitLabel, onCreated, disabled, class: cls }: Props) {
  const formRef = useRef<HTMLFormElement>(null);
  const form = useForm(async (data) => {
    const created = await createPlaylist({ name: String(data.get('name') ?? '').trim(), public: data.get('public') === 'on' });
    await onCreated(created);
    formRef.current?.reset();
  });
  return (
    <form ref={formRef} class={cls} onSubmit={form.onSubmit} noValidate aria-labelledby={`${idPrefix}-title`}>
      <h3 id={`${idPrefix}-title`}>New playlist</h3>
      <FormError error={form.error} fields={['name']} />
      <Field name="name" id={`${idPrefix}-name`} label="Playlist name" required maxLength={100} errors={form.fieldErrors.name} />
      <CheckboxField name="public" id={`${idPrefix}-public`} label="Public (anyone with the link can see it)" />
      <button type="submit" disabled={form.busy || disabled}>
        {submitLabel}
      </button>
    </form>
  );
}
