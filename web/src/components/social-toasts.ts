// Live hints about people: a friend request or a new direct conversation shows a toast (the
// frames carry only the sender's id, so their name is looked up first).
import { api } from '../lib/api';
import { useFrame } from '../lib/hooks';
import { toast } from '../lib/toast';
import type { PublicProfile } from '../lib/types';

export type SocialKind = 'friend.request' | 'dm.created';

/** Mounted once by the app: toast `friend.request` and `dm.created` on whatever page is open. */
export function useSocialToasts(): void {
  useFrame('event', (f) => {
    if (f.kind !== 'friend.request' && f.kind !== 'dm.created') return;
    const kind = f.kind as SocialKind;
    const from = typeof f.data.from === 'string' ? f.data.from : null;
    void nameOf(from).then((name) => {
      if (kind === 'dm.created') {
        toast(`${name ?? 'Someone'} started a conversation with you.`);
      } else {
        toast(`${name ?? 'Someone'} sent you a friend request.`);
      }
    });
  });
}

async function nameOf(id: string | null): Promise<string | null> {
  if (!id) return null;
  try {
    return (await api<PublicProfile>('GET', `/users/${encodeURIComponent(id)}`)).username;
  } catch {
    return null; // the toast still says what happened, without the name
  }
}
