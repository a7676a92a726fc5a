import { useEffect, useState } from 'preact/hooks';
import { Field, FormError, useForm } from '../../components/form';
import { Loading } from '../../components/status';
import { requestMagicLink, verifyMagicLink } from '../../lib/auth';
import { useTitle } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { PageProps } from '../../routes';

/** /auth/magic-link asks for a link; /auth/magic-link?token=… is the link, from the email. */
export function MagicLinkPage({ query }: PageProps) {
  const token = query.get('token');
  return token ? <VerifyLink token={token} /> : <RequestLink />;
}

function RequestLink() {
  const [sent, setSent] = useState(false);
  const form = useForm(async (data) => {
    await requestMagicLink(String(data.get('email') ?? '').trim());
    setSent(true);
  });

  return (
    <section class="narrow">
      <h1>Sign in with an email link</h1>
      {sent ? (
        <p class="notice" role="status">
          If an account exists for that address, a link is on its way. It works once, for 15 minutes.
        </p>
      ) : (
        <form class="stack" onSubmit={form.onSubmit} noValidate>
          <p>We'll email you a link that signs you in, no password needed.</p>
          <FormError error={form.error} fields={['email']} />
          <Field name="email" type="email" label="Email" autocomplete="email" required errors={form.fieldErrors.email} />
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Sending…' : 'Email me a link'}
          </button>
        </form>
      )}
      <p>
        <a href="/login">Back to log in</a>
      </p>
    </section>
  );
}

function VerifyLink({ token }: { token: string }) {
  const [error, setError] = useState<unknown>(null);
  useTitle('Signing in');

  useEffect(() => {
    verifyMagicLink(token).then(
      (user) => {
        toast(`Signed in as ${user.username}.`, 'success');
        // replace: the used link must not stay in the history
        navigate('/', { replace: true });
      },
      setError,
    );
  }, [token]);

  if (!error) return <Loading label="Signing you in…" />;
  return (
    <section class="narrow">
      <h1>That link didn't work</h1>
      <FormError error={error} />
      <p>
        <a href="/auth/magic-link">Send me a new link</a> or <a href="/login">log in with a password</a>.
      </p>
    </section>
  );
}
