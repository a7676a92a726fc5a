// "My playlists": GET /users/me/playlists (newest first), kept up to date by the
// `playlist.updated` events the node pushes to the owner's connections.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { useFrame, useSession } from '../../lib/hooks';
import { toastError } from '../../lib/toast';
import type { Page, Playlist, PlaylistSummary } from '../../lib/types';

/** One page is plenty for a picker and the library tab; the rest stays on the server. */
const LIMIT = 100;

function summary(p: Playlist): PlaylistSummary {
  const { id, name, version, created_at, updated_at } = p;
  return { id, name, public: p.public, hidden: false, version, track_count: p.tracks.length, created_at, updated_at };
}

export interface MyPlaylists {
  /** null while loading. */
  playlists: PlaylistSummary[] | null;
  /** Put a created or changed playlist in the list. */
  upsert: (p: Playlist) => void;
}

/** The logged-in user's playlists, kept up to date by `playlist.updated` events. */
export function useMyPlaylists(): MyPlaylists {
  const user = useSession();
  const userId = user?.id;
  const [playlists, setPlaylists] = useState<PlaylistSummary[] | null>(null);

  useEffect(() => {
    if (!userId) return;
    const ctrl = new AbortController();
    setPlaylists(null);
    api<Page<PlaylistSummary>>('GET', '/users/me/playlists', undefined, { query: { limit: LIMIT }, signal: ctrl.signal }).then(
      (page) => setPlaylists(page.items),
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        toastError(e);
        setPlaylists([]);
      },
    );
    return () => ctrl.abort();
  }, [userId]);

  function upsert(p: Playlist) {
    if (!userId || p.owner.id !== userId) return;
    setPlaylists((list) => {
      // Events may arrive after the answer that already carried a newer version.
      if (list?.some((x) => x.id === p.id && x.version > p.version)) return list;
      const rest = (list ?? []).filter((x) => x.id !== p.id);
      return list?.some((x) => x.id === p.id)
        ? (list ?? []).map((x) => (x.id === p.id ? summary(p) : x))
        : [summary(p), ...rest];
    });
  }

  useFrame('event', (frame) => {
    if (frame.kind !== 'playlist.updated' || !userId) return;
    const data = frame.data as Partial<Playlist> & { deleted?: boolean };
    if (!data.id) return;
    if (data.deleted) {
      setPlaylists((list) => list?.filter((x) => x.id !== data.id) ?? list);
    } else if (data.owner && Array.isArray(data.tracks)) {
      upsert(data as Playlist);
    }
  });

  return { playlists, upsert };
}
