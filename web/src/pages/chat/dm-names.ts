// Whom a direct room is with. The API's room view names a DM "direct" and lists no members,
// so the other person is remembered here when we learn who it is (opening the DM from their
// profile, a `dm.created` event, a message of theirs) and looked up in its history otherwise.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api';
import type { Me, Message, Page, Room } from '../../lib/types';

const KEY = 'veza.dm-peers';

function readAll(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function dmPeer(roomId: string): string | null {
  return readAll()[roomId] ?? null;
}

export function rememberDmPeer(roomId: string, username: string): void {
  const all = readAll();
  if (all[roomId] === username) return;
  all[roomId] = username;
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or disabled: the name is looked up again next time.
  }
}

/**
 * The name to show for a room: its own, or for a DM the other person's username. `seen`: the
 * other person's username when the caller already knows it (from the messages it shows).
 */
export function useRoomName(room: Room, me: Me | null, seen?: string): string {
  const [peer, setPeer] = useState(() => (room.is_direct ? dmPeer(room.id) : null));

  useEffect(() => {
    if (room.is_direct && seen && seen !== peer) {
      rememberDmPeer(room.id, seen);
      setPeer(seen);
    }
  }, [room.id, seen]);

  useEffect(() => {
    if (!room.is_direct || peer || seen || !me) return;
    let live = true;
    // Best effort: a DM with no message from the other person yet keeps the generic name.
    api<Page<Message>>('GET', `/rooms/${encodeURIComponent(room.id)}/messages`, undefined, { query: { limit: 50 } }).then(
      (page) => {
        const other = page.items.find((m) => m.author && m.author.id !== me.id)?.author;
        if (other && live) {
          rememberDmPeer(room.id, other.username);
          setPeer(other.username);
        }
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [room.id, room.is_direct, me?.id]);

  if (!room.is_direct) return room.name;
  return seen ?? peer ?? 'Direct message';
}
