import { useEffect, useState } from 'preact/hooks';
import { api, isAbortError } from '../../lib/api';
import type { BlockEntry, FriendsView, Me, Page } from '../../lib/types';

export interface Social {
  friends: FriendsView | null;
  blocks: BlockEntry[] | null;
  error: unknown;
  reload: () => void;
}

/** The viewer's friends, pending requests both ways, and blocks; `reload()` after a change. */
export function useSocial(me: Me | null): Social {
  const [friends, setFriends] = useState<FriendsView | null>(null);
  const [blocks, setBlocks] = useState<BlockEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!me) return;
    const ctrl = new AbortController();
    const opts = { signal: ctrl.signal };
    Promise.all([
      api<FriendsView>('GET', '/users/me/friends', undefined, opts),
      api<Page<BlockEntry>>('GET', '/users/me/blocks', undefined, opts),
    ]).then(
      ([f, b]) => {
        setFriends(f);
        setBlocks(b.items);
        setError(null);
      },
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, [me?.id, attempt]);

  return { friends, blocks, error, reload: () => setAttempt((n) => n + 1) };
}

export type Relation = 'none' | 'friend' | 'incoming' | 'outgoing';

export function relationTo(friends: FriendsView, userId: string): Relation {
  if (friends.friends.some((f) => f.user.id === userId)) return 'friend';
  if (friends.incoming.some((f) => f.user.id === userId)) return 'incoming';
  if (friends.outgoing.some((f) => f.user.id === userId)) return 'outgoing';
  return 'none';
}
