// "My playlists". The API has no list of a user's playlists (only GET /playlists/{id}), so
// this browser remembers the ids of the ones it created or was told about (the
// `playlist.updated` event carries the whole playlist) and loads each of them.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../lib/api';
import { useFrame, useSession } from '../../lib/hooks';
import { toastError } from '../../lib/toast';
import type { Playlist } from '../../lib/types';
import { getPlaylist } from './playlist-api';

const key = (userId: string) => `veza.playlists.${userId}`;
/** The most recently used ones; each is a request. */
const MAX_LOADED = 50;

function readIds(userId: string): string[] {
  try {
    const ids = JSON.parse(localStorage.getItem(key(userId)) ?? '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function writeIds(userId: string, ids: string[]): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify(ids));
  } catch {
    // Storage full or disabled: the list is only shorter next time.
  }
}

export function rememberPlaylist(userId: string, id: string): void {
  writeIds(userId, [id, ...readIds(userId).filter((x) => x !== id)]);
}

export function forgetPlaylist(userId: string, id: string): void {
  writeIds(userId, readIds(userId).filter((x) => x !== id));
}

function newestFirst(list: Playlist[]): Playlist[] {
  return [...list].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

export interface MyPlaylists {
  /** null while loading. */
  playlists: Playlist[] | null;
  /** Put a created or changed playlist in the list. */
  upsert: (p: Playlist) => void;
}

/** The logged-in user's playlists, kept up to date by `playlist.updated` events. */
export function useMyPlaylists(): MyPlaylists {
  const user = useSession();
  const userId = user?.id;
  const [playlists, setPlaylists] = useState<Playlist[] | null>(null);

  useEffect(() => {
    if (!userId) return;
    const ctrl = new AbortController();
    setPlaylists(null);
    let reported = false;
    Promise.all(
      readIds(userId).slice(0, MAX_LOADED).map((id) =>
        getPlaylist(id, ctrl.signal).catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) forgetPlaylist(userId, id);
          else if (!reported && !ctrl.signal.aborted) {
            reported = true;
            toastError(e);
          }
          return null;
        }),
      ),
    ).then((found) => {
      if (ctrl.signal.aborted) return;
      setPlaylists(newestFirst(found.filter((p): p is Playlist => !!p && p.owner.id === userId)));
    });
    return () => ctrl.abort();
  }, [userId]);

  function upsert(p: Playlist) {
    if (!userId || p.owner.id !== userId) return;
    rememberPlaylist(userId, p.id);
    setPlaylists((list) => {
      // Events may arrive after the answer that already carried a newer version.
      if (list?.some((x) => x.id === p.id && x.version > p.version)) return list;
      return newestFirst([p, ...(list ?? []).filter((x) => x.id !== p.id)]);
    });
  }

  useFrame('event', (frame) => {
    if (frame.kind !== 'playlist.updated' || !userId) return;
    const data = frame.data as Partial<Playlist> & { deleted?: boolean };
    if (!data.id) return;
    if (data.deleted) {
      forgetPlaylist(userId, data.id);
      setPlaylists((list) => list?.filter((x) => x.id !== data.id) ?? list);
    } else if (data.owner && Array.isArray(data.tracks)) {
      upsert(data as Playlist);
    }
  });

  return { playlists, upsert };
}
