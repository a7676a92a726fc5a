import { hasRole } from '../lib/auth';
import { useRoute, useSession, useStore } from '../lib/hooks';
import { currentLocation, loginHref } from '../lib/router';
import { SearchBox } from './search-box';
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

function isIn(path: string, area: string): boolean {
  return path === area || path.startsWith(area + '/');
}
