import { Field, FormError, useForm } from '../../components/form';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Track, TrackPatch, Visibility } from '../../lib/types';
import { parseTags } from './tags';
import { VisibilitySelect } from './visibility-select';

interface Props {
  track: Track;
  onSaved: (track: Track) => void;
}

/** The owner's tools: edit title, tags and visibility; delete the track. */
export function TrackEdit({ track, onSaved }: Props) {
  const deleting = useAction();
  const path = `/tracks/${encodeURIComponent(track.id)}`;
  const form = useForm(async (data) => {
    const patch: TrackPatch = {
      title: String(data.get('title') ?? '').trim(),
      tags: parseTags(String(data.get('tags') ?? '')),
      visibility: String(data.get('visibility')) as Visibility,
    };
    const saved = await api<Track>('PATCH', path, patch);
    onSaved(saved);
    toast('Your changes are saved.', 'success');
  });

  function remove() {
    if (!window.confirm(`Delete “${track.title}”? It leaves every playlist and favourites list, for good.`)) return;
    void deleting.run(async () => {
      await api('DELETE', path);
      toast(`“${track.title}” is deleted.`, 'success');
      navigate('/library?tab=uploads', { replace: true });
    });
  }

  return (
    <section class="track-edit" aria-labelledby="track-edit-title">
      <h2 id="track-edit-title">Edit your track</h2>
      {/* Keyed by the saved values: after a save the fields show what the server kept. */}
      <form key={`${track.title}\n${track.tags.join(',')}\n${track.visibility}`} class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['title', 'tags']} />
        <Field name="title" id="edit-title" label="Title" required maxLength={200} defaultValue={track.title} errors={form.fieldErrors.title} />
        <Field
          name="tags"
          id="edit-tags"
          label="Tags"
          hint="Separated by commas, up to 10."
          defaultValue={track.tags.join(', ')}
          errors={form.fieldErrors.tags}
        />
        <VisibilitySelect id="edit-visibility" value={track.visibility} />
        <div class="actions">
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" class="danger" disabled={deleting.busy} onClick={remove}>
            Delete track
          </button>
        </div>
      </form>
    </section>
  );
}
