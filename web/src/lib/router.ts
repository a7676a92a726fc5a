// A history-API router with no dependency: the location as a store, navigate(), pattern
// matching, and same-origin link clicks handled without a page load.
import { createStore } from './store';

export interface Location {
  path: string;
  /** with its leading '?', or '' */
  search: string;
}

export type Params = Record<string, string>;

/** Paths the node serves itself (see src/http/site/mod.rs): a link there is a real navigation. */
const SERVER_PATHS = ['/api', '/ws', '/docs', '/health', '/ready', '/metrics', '/.well-known'];

export const currentLocation = createStore<Location>(readLocation());

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  const here = window.location;
  if (url.pathname === here.pathname && url.search === here.search && url.hash === here.hash) return;
  history[opts.replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
  currentLocation.set(readLocation());
  if (!url.hash) window.scrollTo(0, 0);
}

/** The params of `path` under `pattern` ("/rooms/:id", "/admin/*"), or null when it does not match. */
export function matchPath(pattern: string, path: string): Params | null {
  const want = split(pattern);
  const got = split(path);
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '*') {
      params['*'] = got.slice(i).join('/');
      return params;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(':')) {
      const value = decode(g);
      if (value === null) return null;
      params[w.slice(1)] = value;
    } else if (w !== g) return null;
  }
  return got.length === want.length ? params : null;
}

/** "/login?next=<here>", to come back after logging in (not from the accounts pages themselves). */
export function loginHref(loc: Location = currentLocation.get()): string {
  if (loc.path === '/login' || loc.path === '/register' || loc.path.startsWith('/auth/')) return '/login';
  return `/login?next=${encodeURIComponent(loc.path + loc.search)}`;
}

/** `value` when it is a path on this site (a `?next=` from the URL), else `fallback`. */
export function localPath(value: string | null | undefined, fallback = '/'): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : fallback;
}

/** Follow the back and forward buttons and take over same-origin link clicks; call once. */
export function startRouter(): void {
  window.addEventListener('popstate', () => currentLocation.set(readLocation()));
  document.addEventListener('click', onClick);
}

function onClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!(a instanceof HTMLAnchorElement) || !a.href) return;
  if ((a.target && a.target !== '_self') || a.hasAttribute('download') || a.relList.contains('external')) return;
  const url = new URL(a.href);
  if (url.origin !== window.location.origin) return;
  if (SERVER_PATHS.some((p) => url.pathname === p || url.pathname.startsWith(p + '/'))) return;
  // An in-page anchor (the skip link): the browser scrolls and moves focus itself.
  if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

function readLocation(): Location {
  return { path: window.location.pathname, search: window.location.search };
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // a malformed escape matches no route
  }
}

function split(path: string): string[] {
  return path.split('/').filter(Boolean);
}
