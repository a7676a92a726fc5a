// Every client route, in one table. Each area is its own chunk, loaded on first visit, so the
// first page stays small (scripts/budget.mjs checks it).
import type { ComponentType } from 'preact';
import { matchPath, type Params } from './lib/router';
import type { Role } from './lib/types';

export interface PageProps {
  params: Params;
  query: URLSearchParams;
}

export interface RouteDef {
  path: string;
  /** The document title until the page sets a better one with useTitle(). */
  title: string;
  load: () => Promise<ComponentType<PageProps>>;
  /** Only for a logged-in user: others go to /login?next=… */
  auth?: boolean;
  /** Only for users with one of these roles. */
  roles?: Role[];
}

const accounts = () => import('./pages/accounts');
const admin = () => import('./pages/admin');
const chat = () => import('./pages/chat');
const home = () => import('./pages/home');
const library = () => import('./pages/library');
const market = () => import('./pages/market');
const offers = () => import('./pages/offers');
const playlists = () => import('./pages/playlists');
const search = () => import('./pages/search');
const tracks = () => import('./pages/tracks');
const users = () => import('./pages/users');

const STAFF: Role[] = ['moderator', 'admin'];

// First match wins: a fixed path comes before a pattern that would also match it.
export const routes: RouteDef[] = [
  { path: '/', title: 'Home', load: () => home().then((m) => m.HomePage) },

  { path: '/login', title: 'Log in', load: () => accounts().then((m) => m.LoginPage) },
  { path: '/register', title: 'Create an account', load: () => accounts().then((m) => m.RegisterPage) },
  { path: '/auth/magic-link', title: 'Sign-in link', load: () => accounts().then((m) => m.MagicLinkPage) },
  { path: '/auth/oauth', title: 'Signing in', load: () => accounts().then((m) => m.OAuthCallbackPage) },
  { path: '/settings/sessions', title: 'Sessions', auth: true, load: () => accounts().then((m) => m.SessionsPage) },

  { path: '/rooms', title: 'Chat', load: () => chat().then((m) => m.RoomsPage) },
  { path: '/rooms/:id', title: 'Room', load: () => chat().then((m) => m.RoomPage) },

  { path: '/market', title: 'Market', load: () => market().then((m) => m.MarketPage) },
  { path: '/market/new', title: 'New listing', auth: true, load: () => market().then((m) => m.NewListingPage) },
  { path: '/market/listings/:id', title: 'Listing', load: () => market().then((m) => m.ListingPage) },
  { path: '/market/listings/:id/edit', title: 'Edit listing', auth: true, load: () => market().then((m) => m.EditListingPage) },

  { path: '/offers', title: 'Offers', auth: true, load: () => offers().then((m) => m.OffersPage) },
  { path: '/offers/:id', title: 'Offer', auth: true, load: () => offers().then((m) => m.OfferPage) },

  { path: '/tracks', title: 'Tracks', load: () => tracks().then((m) => m.TracksPage) },
  { path: '/tracks/upload', title: 'Upload a track', auth: true, load: () => tracks().then((m) => m.UploadPage) },
  { path: '/tracks/:id', title: 'Track', load: () => tracks().then((m) => m.TrackPage) },

  { path: '/playlists/:id', title: 'Playlist', load: () => playlists().then((m) => m.PlaylistPage) },
  { path: '/library', title: 'Library', auth: true, load: () => library().then((m) => m.LibraryPage) },
  { path: '/search', title: 'Search', load: () => search().then((m) => m.SearchPage) },

  { path: '/admin', title: 'Admin', auth: true, roles: STAFF, load: () => admin().then((m) => m.AdminPage) },
  { path: '/admin/*', title: 'Admin', auth: true, roles: STAFF, load: () => admin().then((m) => m.AdminPage) },

  { path: '/users/:name', title: 'Profile', load: () => users().then((m) => m.UserPage) },
];

export function resolve(path: string): { def: RouteDef; params: Params } | null {
  for (const def of routes) {
    const params = matchPath(def.path, path);
    if (params) return { def, params };
  }
  return null;
}
