import { Field, FormError, TextAreaField, useForm } from '../../components/form';
import { Loading } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { api } from '../../lib/api';
import { refreshUser } from '../../lib/auth';
import { toast } from '../../lib/toast';
import type { OwnProfile, ProfilePatch } from '../../lib/types';

const FIELDS = ['display_name', 'bio', 'location'];

/** The owner edits what others see; an emptied field is cleared. */
export function EditProfileForm({ onSaved }: { onSaved: (p: OwnProfile) => void }) {
  const loaded = useLoad(async (signal) => {
    const p = await api<OwnProfile>('GET', '/users/me', undefined, { signal });
    onSaved(p);
    return p;
  }, []);
  const own = loaded.data;

  const form = useForm(async (data) => {
    const patch: ProfilePatch = {
      display_name: String(data.get('display_name') ?? '').trim(),
      bio: String(data.get('bio') ?? '').trim(),
      location: String(data.get('location') ?? '').trim(),
    };
    const saved = await api<OwnProfile>('PATCH', '/users/me', patch);
    loaded.setData(saved);
    onSaved(saved);
    toast('Your profile is saved.', 'success');
    // The header shows the display name: bring the session's copy up to date.
    void refreshUser().catch(() => undefined);
  });
  const errors = form.fieldErrors;

  return (
    <section class="profile-section" aria-labelledby="edit-title">
      <h2 id="edit-title">Edit your profile</h2>
      {loaded.error ? (
        <FormError error={loaded.error} />
      ) : !own ? (
        <Loading />
      ) : (
        <form class="stack" onSubmit={form.onSubmit} noValidate>
          <FormError error={form.error} fields={FIELDS} />
          <Field
            name="display_name"
            id="profile-display-name"
            label="Display name"
            maxLength={64}
            defaultValue={own.display_name ?? ''}
            hint="Shown instead of your username. Leave empty to use your username."
            errors={errors.display_name}
          />
          <TextAreaField name="bio" id="profile-bio" label="Bio" rows={4} maxLength={1000} defaultValue={own.bio ?? ''} errors={errors.bio} />
          <Field name="location" id="profile-location" label="Location" maxLength={100} defaultValue={own.location ?? ''} errors={errors.location} />
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Saving…' : 'Save profile'}
          </button>
        </form>
      )}
    </section>
  );
}
