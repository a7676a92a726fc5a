// The caller's rooms with their unread counts, kept live: while the list is shown every room
// is joined on the socket from its last seq, and each message from someone else bumps its count.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbortError } from '../../lib/api';
import { useFrame } from '../../lib/hooks';
import type { Me, Page, Room } from '../../lib/types';
import { joinRoom } from '../../lib/ws';

export interface MyRooms {
  rooms: Room[] | null;
  error: unknown;
  reload: () => void;
}

export function useMyRooms(me: Me | null): MyRooms {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  /** room id -> highest seq known, for the joins' `last_seen` (read at every reconnect). */
  const lastSeq = useRef(new Map<string, number>());

  useEffect(() => {
    if (!me) return;
    const ctrl = new AbortController();
    setError(null);
    api<Page<Room>>('GET', '/rooms', undefined, { query: { mine: true, limit: 100 }, signal: ctrl.signal }).then(
      (page) => setRooms(page.items),
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, [me?.id, attempt]);

  for (const r of rooms ?? []) lastSeq.current.set(r.id, Math.max(r.last_seq, lastSeq.current.get(r.id) ?? 0));

  const ids = (rooms ?? []).map((r) => r.id).join(',');
  useEffect(() => {
    if (!ids) return;
    const leave = ids.split(',').map((id) => joinRoom(id, { lastSeen: () => lastSeq.current.get(id) }));
    return () => leave.forEach((f) => f());
  }, [ids]);

  useFrame('message', (f) => {
    const known = lastSeq.current.get(f.room);
    if (known === undefined || f.seq <= known) return; // not listed, or already counted
    lastSeq.current.set(f.room, f.seq);
    const mine = f.author.id === me?.id;
    setRooms(
      (list) =>
        list?.map((r) => (r.id === f.room ? { ...r, last_seq: f.seq, unread: mine ? r.unread : (r.unread ?? 0) + 1 } : r)) ?? null,
    );
  });

  // Read in another tab of ours: the count follows.
  useFrame('read', (f) => {
    if (f.user.id !== me?.id) return;
    setRooms(
      (list) =>
        list?.map((r) =>
          r.id === f.room ? { ...r, last_read_seq: f.up_to, unread: Math.max(0, r.last_seq - f.up_to) } : r,
        ) ?? null,
    );
  });

  // A new direct conversation, or the ownership of a room: the list itself changed.
  useFrame('event', (f) => {
    if (f.kind === 'dm.created' || f.kind === 'room.owner') setAttempt((n) => n + 1);
  });

  return { rooms, error, reload: () => setAttempt((n) => n + 1) };
}
