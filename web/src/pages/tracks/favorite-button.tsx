import { useEffect, useState } from 'preact/hooks';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { toast, toastError } from '../../lib/toast';
import type { Page, Track } from '../../lib/types';

/** How many pages of my favourites to look through for this track (100 each). */
const PAGES_TO_SCAN = 5;

/** Whether `trackId` is among my favourites: the API has no per-track flag, so look. */
async function isFavorite(trackId: string, signal: AbortSignal): Promise<boolean> {
  let cursor: string | undefined;
  for (let i = 0; i < PAGES_TO_SCAN; i++) {
    const page = await api<Page<Track>>('GET', '/users/me/favorites', undefined, { query: { limit: 100, cursor }, signal });
    if (page.items.some((t) => t.id === trackId)) return true;
    if (!page.next_cursor) return false;
    cursor = page.next_cursor;
  }
  return false;
}

/** A toggle button: in my favourites or not. */
export function FavoriteButton({ track }: { track: Track }) {
  const [on, setOn] = useState<boolean | null>(null);
  const { busy, run } = useAction();

  useEffect(() => {
    const ctrl = new AbortController();
    isFavorite(track.id, ctrl.signal).then(setOn, (e) => {
      toastError(e);
      setOn(false);
    });
    return () => ctrl.abort();
  }, [track.id]);

  const toggle = () =>
    run(async () => {
      const next = !on;
      await api(next ? 'POST' : 'DELETE', `/tracks/${encodeURIComponent(track.id)}/favorite`);
      setOn(next);
      toast(next ? `Added “${track.title}” to your favourites.` : `Removed “${track.title}” from your favourites.`, 'success');
    });

  return (
    <button
      type="button"
      class={on ? 'secondary favorite on' : 'secondary favorite'}
      aria-pressed={on === null ? undefined : on}
      disabled={on === null || busy}
      onClick={toggle}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
        <path
          fill={on ? 'currentColor' : 'none'}
          stroke="currentColor"
          stroke-width="2"
          stroke-linejoin="round"
          d="M12 20.5s-7.5-4.6-7.5-10.2A4.3 4.3 0 0 1 12 7.6a4.3 4.3 0 0 1 7.5 2.7c0 5.6-7.5 10.2-7.5 10.2z"
        />
      </svg>
      Favourite
    </button>
  );
}
