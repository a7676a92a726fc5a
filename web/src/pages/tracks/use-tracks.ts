import { usePaged } from '../../components/paged';
import { api } from '../../lib/api';
import type { Page } from '../../lib/types';

/** A list of tracks (or of entries holding one) from the API, 24 at a time; `query` in the URL. */
export function useTrackPages<T>(path: string, query: Record<string, string | undefined> = {}) {
  return usePaged(
    (cursor, signal) => api<Page<T>>('GET', path, undefined, { query: { ...query, limit: 24, cursor }, ...(signal ? { signal } : {}) }),
    [path, JSON.stringify(query)],
  );
}
