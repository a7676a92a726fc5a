import { useEffect } from 'preact/hooks';
import { Field, FormError, useForm } from '../../components/form';
import { register } from '../../lib/auth';
import { useSession } from '../../lib/hooks';
import { localPath, navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { PageProps } from '../../routes';
import { OAuthButtons } from './oauth';

const FIELDS = ['email', 'username', 'password'];

export function RegisterPage({ query }: PageProps) {
  const user = useSession();
  const next = localPath(query.get('next'));
  const form = useForm(async (data) => {
    const [email, username, password] = FIELDS.map((f) => String(data.get(f) ?? ''));
    const user = await register(email!, username!, password!);
    toast(`Welcome to Veza, ${user.username}!`, 'success');
    navigate(next, { replace: true });
  });
  const errors = form.fieldErrors;

  useEffect(() => {
    if (user) navigate(next, { replace: true });
  }, []);

  // The node checks every rule; its messages are shown at each field (noValidate).
  return (
    <section class="narrow">
      <h1>Create an account</h1>
      <form class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={FIELDS} />
        <Field name="email" type="email" label="Email" autocomplete="email" required errors={errors.email} />
        <Field
          name="username"
          label="Username"
          autocomplete="username"
          required
          hint="3 to 32 characters: letters, digits and _"
          errors={errors.username}
        />
        <Field
          name="password"
          type="password"
          label="Password"
          autocomplete="new-password"
          required
          hint="At least 10 characters"
          errors={errors.password}
        />
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <OAuthButtons next={next} />
      <p>
        Already have an account? <a href="/login">Log in</a>
      </p>
    </section>
  );
}
