// Placeholder: this area's pages are still to be built; replace this file.
import { Placeholder } from '../../components/status';

/** Favourites, listening history and my playlists. */
export function LibraryPage() {
  return <Placeholder title="Library" />;
}
