// The library area: what I collect (favourites, history, playlists) and what I uploaded.
export { LibraryPage } from './library-page';
