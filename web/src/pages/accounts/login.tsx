import { useEffect } from 'preact/hooks';
import { Field, FormError, useForm } from '../../components/form';
import { login } from '../../lib/auth';
import { useSession } from '../../lib/hooks';
import { localPath, navigate } from '../../lib/router';
import type { PageProps } from '../../routes';
import { OAuthButtons } from './oauth';

export function LoginPage({ query }: PageProps) {
  const user = useSession();
  const next = localPath(query.get('next'));
  const form = useForm(async (data) => {
    await login(String(data.get('login') ?? ''), String(data.get('password') ?? ''));
    navigate(next, { replace: true });
  });

  useEffect(() => {
    if (user) navigate(next, { replace: true });
  }, []);

  return (
    <section class="narrow">
      <h1>Log in</h1>
      <form class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['login', 'password']} />
        <Field name="login" label="Email or username" autocomplete="username" required errors={form.fieldErrors.login} />
        <Field
          name="password"
          type="password"
          label="Password"
          autocomplete="current-password"
          required
          errors={form.fieldErrors.password}
        />
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        <a href="/auth/magic-link">Email me a sign-in link</a>
      </p>
      <OAuthButtons next={next} />
      <p>
        New to Veza? <a href={next === '/' ? '/register' : `/register?next=${encodeURIComponent(next)}`}>Create an account</a>
      </p>
    </section>
  );
}
