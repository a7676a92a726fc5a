import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { ApiError, api, humanMessage } from '../../lib/api';
import { exchangeLoginCode } from '../../lib/auth';
import { localPath, navigate } from '../../lib/router';
import { toast, toastError } from '../../lib/toast';
import type { OAuthProvider } from '../../lib/types';
import type { PageProps } from '../../routes';

/** Where to go after the provider sends the browser back; it cannot carry our `next` itself. */
const NEXT_KEY = 'veza.oauth.next';

/** "Continue with …" for each provider the node has configured; none when it has none. */
export function OAuthButtons({ next = '/' }: { next?: string }) {
  const [providers, setProviders] = useState<OAuthProvider[]>([]);

  useEffect(() => {
    api<{ providers: OAuthProvider[] }>('GET', '/auth/providers', undefined, { auth: false }).then(
      (r) => setProviders(r.providers),
      (e) => {
        if (!(e instanceof ApiError && e.status === 404)) toastError(e);
      },
    );
  }, []);

  if (providers.length === 0) return null;
  const back = encodeURIComponent(`${window.location.origin}/auth/oauth`);
  return (
    <div class="oauth">
      <p class="divider">or</p>
      <ul>
        {providers.map((p) => (
          <li key={p.id}>
            {/* A real navigation: the node answers with a redirect to the provider. */}
            <a
              class="button secondary wide"
              href={`${p.authorize_url ?? `/api/v1/auth/oauth/${encodeURIComponent(p.id)}/authorize`}?redirect_uri=${back}`}
              onClick={() => sessionStorage.setItem(NEXT_KEY, next)}
            >
              Continue with {p.name}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** /auth/oauth?login_code=…: where the node sends the browser back after the provider. */
export function OAuthCallbackPage({ query }: PageProps) {
  const code = query.get('login_code');
  const [failure, setFailure] = useState<string | null>(code ? null : 'The sign-in was cancelled or did not finish.');

  useEffect(() => {
    if (!code) return;
    exchangeLoginCode(code).then(
      (user) => {
        const next = localPath(sessionStorage.getItem(NEXT_KEY));
        sessionStorage.removeItem(NEXT_KEY);
        toast(`Signed in as ${user.username}.`, 'success');
        navigate(next, { replace: true });
      },
      (e) => setFailure(humanMessage(e)),
    );
  }, [code]);

  if (!failure) return <Loading label="Signing you in…" />;
  return (
    <section class="narrow">
      <h1>Sign-in failed</h1>
      <p class="form-error" role="alert">
        {failure}
      </p>
      <p>
        <a href="/login">Back to log in</a>
      </p>
    </section>
  );
}
