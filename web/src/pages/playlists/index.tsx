// The playlists area: one playlist, played and arranged.
export { PlaylistPage } from './playlist-page';
