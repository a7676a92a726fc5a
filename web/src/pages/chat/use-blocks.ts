import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { toastError } from '../../lib/toast';
import type { BlockEntry, Me, Page } from '../../lib/types';

/** The ids of the users the viewer blocked (their messages are hidden until shown). */
export function useBlockedIds(me: Me | null): Set<string> {
  const [ids, setIds] = useState<Set<string>>(() => new Set());
  useEffect(() => {
    if (!me) return;
    const ctrl = new AbortController();
    api<Page<BlockEntry>>('GET', '/users/me/blocks', undefined, { signal: ctrl.signal }).then(
      (page) => setIds(new Set(page.items.map((b) => b.user.id))),
      toastError,
    );
    return () => ctrl.abort();
  }, [me?.id]);
  return ids;
}
