// The layout around every page, and the page for the current route: found, allowed, loaded.
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConnectionBanner } from './components/connection-banner';
import { Header } from './components/header';
import { Forbidden, Loading, NotFound } from './components/status';
import { Toasts } from './components/toasts';
import { hasRole } from './lib/auth';
import { useSocialToasts } from './components/social-toasts';
import { useRoute, useSession, type Route } from './lib/hooks';
import { loginHref, navigate } from './lib/router';
import type { PageProps, RouteDef } from './routes';

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useSocialToasts();

  // After a client-side navigation, start reading (and tabbing) at the new page's content.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [route.path]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <ConnectionBanner />
      <main id="main" ref={main} tabIndex={-1}>
        <CurrentPage key={route.path} route={route} />
      </main>
      <Toasts />
    </>
  );
}

function CurrentPage({ route }: { route: Route }) {
  const user = useSession();
  const { def, params, query } = route;
  const mustLogIn = !!def?.auth && !user;

  useEffect(() => {
    if (mustLogIn) navigate(loginHref(), { replace: true });
  }, [mustLogIn]);

  if (!def) return <NotFound />;
  if (mustLogIn) return null;
  if (def.roles && !hasRole(user, ...def.roles)) return <Forbidden />;
  return <LazyPage def={def} props={{ params, query }} />;
}

const loaded = new Map<RouteDef, ComponentType<PageProps>>();

function LazyPage({ def, props }: { def: RouteDef; props: PageProps }) {
  const [, setReady] = useState(0);
  const [failed, setFailed] = useState(false);
  const Page = loaded.get(def);

  useEffect(() => {
    if (loaded.has(def)) return;
    let live = true;
    def.load().then(
      (component) => {
        loaded.set(def, component);
        if (live) setReady((n) => n + 1);
      },
      (err) => {
        console.error('page load failed', err);
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, [def]);

  if (Page) return <Page {...props} />;
  if (failed) return <LoadFailed />;
  return <Loading />;
}

/** Usually a new version was deployed and this tab asks for files that are gone. */
function LoadFailed() {
  return (
    <section class="status-page">
      <h1>This page could not be loaded</h1>
      <p>Veza may have been updated, or the connection dropped.</p>
      <p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </p>
    </section>
  );
}
