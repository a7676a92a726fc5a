import { useState } from 'preact/hooks';
import type { Track } from '../../lib/types';
import { AddToPlaylistDialog } from './add-to-playlist-dialog';

/** "Add to playlist": one of my playlists, or a new one. */
export function AddToPlaylist({ track }: { track: Track }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="secondary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Add to playlist
      </button>
      {open && <AddToPlaylistDialog track={track} onClose={() => setOpen(false)} />}
    </>
  );
}
