import type { TargetedSubmitEvent } from 'preact';
import { hasRole } from '../lib/auth';
import { useRoute, useSession, useStore } from '../lib/hooks';
import { currentLocation, loginHref, navigate } from '../lib/router';
import { UserMenu } from './user-menu';

const AREAS = [
  { href: '/rooms', label: 'Chat' },
  { href: '/market', label: 'Market' },
  { href: '/tracks', label: 'Tracks' },
  { href: '/library', label: 'Library' },
];

export function Header() {
  const user = useSession();
  const location = useStore(currentLocation);
  const { path, query } = useRoute();
  const links = hasRole(user, 'moderator', 'admin') ? [...AREAS, { href: '/admin', label: 'Admin' }] : AREAS;

  return (
    <header class="site-header">
      <a class="brand" href="/">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        <span>Veza</span>
      </a>
      <nav class="main-nav" aria-label="Main">
        <ul>
          {links.map((l) => (
            <li key={l.href}>
              <a href={l.href} aria-current={isIn(path, l.href) ? 'page' : undefined}>
                {l.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <SearchBox key={path === '/search' ? (query.get('q') ?? '') : ''} initial={path === '/search' ? (query.get('q') ?? '') : ''} />
      {user ? (
        <UserMenu user={user} />
      ) : (
        <div class="account-links">
          <a href={loginHref(location)}>Log in</a>
          <a class="button" href="/register">
            Sign up
          </a>
        </div>
      )}
    </header>
  );
}

function SearchBox({ initial }: { initial: string }) {
  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q') ?? '').trim();
    if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
  }
  // Without JavaScript's help the form still works: a GET of /search?q=…
  return (
    <form class="search-box" role="search" action="/search" method="get" onSubmit={onSubmit}>
      <label for="site-search" class="visually-hidden">
        Search Veza
      </label>
      <input id="site-search" name="q" type="search" placeholder="Search Veza" defaultValue={initial} maxLength={256} />
      <button type="submit" class="icon-button" aria-label="Search">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="m20 20-4-4" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
      </button>
    </form>
  );
}

function isIn(path: string, area: string): boolean {
  return path === area || path.startsWith(area + '/');
}
