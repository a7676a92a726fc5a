import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbortError } from '../../lib/api';
import { toastError } from '../../lib/toast';
import type { Listing } from '../../lib/types';

export interface ListingState {
  listing: Listing | null;
  /** Why the first load failed (a later failed reload keeps the listing shown and says so). */
  error: unknown;
  setListing: (l: Listing) => void;
  reload: () => Promise<void>;
}

/** One listing, loaded now and again whenever `reload` is called. */
export function useListing(id: string): ListingState {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const shown = useRef(false);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const l = await api<Listing>('GET', `/listings/${encodeURIComponent(id)}`, undefined, signal ? { signal } : {});
        shown.current = true;
        setListing(l);
        setError(null);
      } catch (e) {
        if (isAbortError(e)) return;
        if (shown.current) toastError(e);
        else setError(e);
      }
    },
    [id],
  );

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const reload = useCallback(() => load(), [load]);
  return { listing, error, setListing, reload };
}
