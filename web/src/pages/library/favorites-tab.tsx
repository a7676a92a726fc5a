import type { Track } from '../../lib/types';
import { TrackList } from '../tracks/track-list';
import { useTrackPages } from '../tracks/use-tracks';

export function FavoritesTab() {
  const paged = useTrackPages<Track>('/users/me/favorites');
  return (
    <>
      <h2>Favourites</h2>
      <TrackList
        paged={paged}
        trackOf={(t) => t}
        label="Favourite tracks"
        empty={
          <p>
            No favourites yet: press “Favourite” on a track you like. <a href="/tracks">Browse tracks</a>
          </p>
        }
      />
    </>
  );
}
