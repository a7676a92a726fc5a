import { Field, FormError, useForm } from '../../components/form';
import { ApiError, api, invalid } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { PublicProfile } from '../../lib/types';

/** For a private room's owner or moderators: let someone in by username. */
export function AddMemberForm({ roomId }: { roomId: string }) {
  const form = useForm(async (data) => {
    const username = String(data.get('username') ?? '').trim();
    if (!username) throw invalid({ username: ['Enter a username.'] });
    let user: PublicProfile;
    try {
      user = await api<PublicProfile>('GET', `/users/${encodeURIComponent(username)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw invalid({ username: [`There is no user called ${username}.`] });
      throw e;
    }
    await api('POST', `/rooms/${encodeURIComponent(roomId)}/members`, { user_id: user.id });
    toast(`${user.username} can now join this room.`, 'success');
    const input = document.getElementById('add-member-username') as HTMLInputElement | null;
    if (input) input.value = '';
  });

  return (
    <section class="panel room-panel" aria-labelledby="add-member-title">
      <h2 id="add-member-title">Add a member</h2>
      <form class="stack compact" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['username']} />
        <Field
          id="add-member-username"
          name="username"
          label="Username"
          autocomplete="off"
          required
          errors={form.fieldErrors.username}
        />
        <button type="submit" class="secondary" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add member'}
        </button>
      </form>
    </section>
  );
}
