// Where each kind of thing has its page: the app's paths, built in one place.
const enc = encodeURIComponent;

export const userHref = (username: string): string => `/users/${enc(username)}`;
export const roomHref = (id: string): string => `/rooms/${enc(id)}`;
export const listingHref = (id: string): string => `/market/listings/${enc(id)}`;
export const offerHref = (id: string): string => `/offers/${enc(id)}`;
export const trackHref = (id: string): string => `/tracks/${enc(id)}`;
export const playlistHref = (id: string): string => `/playlists/${enc(id)}`;

/** The page of a thing by its kind, as search suggestions and reports name them (a user by username). */
export const PAGE_OF: Record<'listing' | 'track' | 'room' | 'playlist' | 'user', (key: string) => string> = {
  listing: listingHref,
  track: trackHref,
  room: roomHref,
  playlist: playlistHref,
  user: userHref,
};

/** The search page for `q`, all kinds or one (`types=listing`). */
export function searchHref(q: string, type?: string): string {
  return `/search?q=${enc(q)}${type ? `&types=${type}` : ''}`;
}
