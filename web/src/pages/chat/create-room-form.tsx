import { Field, FormError, useForm } from '../../components/form';
import { api } from '../../lib/api';
import { roomHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { CreateRoom, Room, Visibility } from '../../lib/types';

const FIELDS = ['name', 'topic', 'visibility'];

/** Name, topic and who may join: the creator becomes the room's owner. */
export function CreateRoomForm() {
  const form = useForm(async (data) => {
    const topic = String(data.get('topic') ?? '').trim();
    const body: CreateRoom = {
      name: String(data.get('name') ?? '').trim(),
      visibility: (String(data.get('visibility') ?? 'public') as Visibility) || 'public',
      ...(topic ? { topic } : {}),
    };
    const room = await api<Room>('POST', '/rooms', body);
    toast(`Room “${room.name}” created.`, 'success');
    navigate(roomHref(room.id));
  });
  const errors = form.fieldErrors;

  return (
    <section class="rooms-section" aria-labelledby="create-room-title">
      <h2 id="create-room-title">Create a room</h2>
      <form class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={FIELDS} />
        <Field name="name" id="room-name" label="Name" required maxLength={80} autocomplete="off" errors={errors.name} />
        <Field
          name="topic"
          id="room-topic"
          label="Topic (optional)"
          maxLength={500}
          autocomplete="off"
          hint="What the room is about, shown under its name."
          errors={errors.topic}
        />
        <fieldset class="chat-choice">
          <legend>Who can join</legend>
          <label>
            <input type="radio" name="visibility" value="public" defaultChecked /> Public: anyone can find and join it
          </label>
          <label>
            <input type="radio" name="visibility" value="private" /> Private: only people you add
          </label>
          {errors.visibility && <p class="field-error">{errors.visibility.join(' ')}</p>}
        </fieldset>
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Creating…' : 'Create room'}
        </button>
      </form>
    </section>
  );
}
