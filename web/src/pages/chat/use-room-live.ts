// Everything live about one open room: its history and live messages (one copy per seq, in
// seq order), this tab's sends until acknowledged, who is online and typing, and read markers.
import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { api, isAbortError } from '../../lib/api';
import { useFrame, useRoom } from '../../lib/hooks';
import { newId } from '../../lib/id';
import { toastError } from '../../lib/toast';
import type { Me, Message, Page, UserRef } from '../../lib/types';
import { send, wsState } from '../../lib/ws';
import { Timeline, type ChatMessage, type PendingMessage } from './timeline';

const PAGE = 50;
const GAP_PAGE = 100;
/** At most this many pages are fetched to fill a `history_truncated` gap; beyond, on demand. */
const GAP_PAGES = 5;
const RESEND_MS = 5_000;
const TYPING_SEND_MS = 3_000;
const TYPING_SHOW_MS = 5_000;
const READ_THROTTLE_MS = 1_000;
/** Refusals that a later try can get past: the message stays pending and is sent again. */
const TRANSIENT = new Set(['unavailable', 'rate_limited']);
/** Refusals of the message itself: sending it again cannot help. */
const FINAL = new Set(['message_rejected', 'message_unstorable', 'message_invalid', 'frame_invalid']);

export interface Online {
  count: number;
  /** Those known to be here: from presence frames, typing, and ourselves. */
  users: UserRef[];
}

export interface Reader {
  user: UserRef;
  up_to: number;
}

export interface RoomLive {
  /** Stored messages, deleted ones left out, ascending by seq. */
  messages: ChatMessage[];
  pending: PendingMessage[];
  loading: boolean;
  loadError: unknown;
  reload: () => void;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => Promise<void>;
  /** null until the socket has joined the room. */
  online: Online | null;
  typing: UserRef[];
  readers: Reader[];
  /** Why the socket could not join (e.g. removed from a private room). */
  joinError: string | null;
  sendMessage: (body: string) => void;
  retry: (clientId: string) => void;
  discard: (clientId: string) => void;
  notifyTyping: () => void;
  setBottomVisible: (visible: boolean) => void;
  markDeleted: (m: ChatMessage) => void;
}

/**
 * `live`: subscribe on the socket (logged in and a member); otherwise the history is only read.
 * `readUpTo`: the caller's read marker when the room was loaded.
 */
export function useRoomLive(roomId: string, me: Me | null, live: boolean, readUpTo: number): RoomLive {
  const tl = useMemo(() => new Timeline(), [roomId]);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [attempt, setAttempt] = useState(0);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [online, setOnline] = useState<Online | null>(null);
  const [typing, setTyping] = useState<UserRef[]>([]);
  const [readers, setReaders] = useState<Reader[]>([]);
  const [joinError, setJoinError] = useState<string | null>(null);

  const joined = useRef(false);
  const olderBusy = useRef(false);
  const presence = useRef({ count: 0, users: new Map<string, UserRef>() });
  const typers = useRef(new Map<string, { user: UserRef; until: number }>());
  const readMarks = useRef(new Map<string, Reader>());
  const bottomVisible = useRef(false);
  const readSent = useRef(readUpTo);
  const readAt = useRef(0);
  const readTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const typingSentAt = useRef(0);
  const path = `/rooms/${encodeURIComponent(roomId)}/messages`;

  // ---- History ------------------------------------------------------------------------------

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setLoadError(null);
    api<Page<Message>>('GET', path, undefined, { query: { limit: PAGE }, signal: ctrl.signal }).then(
      (page) => {
        tl.merge(page.items);
        setHasOlder(!!page.next_cursor);
        setLoading(false);
      },
      (e) => {
        if (isAbortError(e)) return;
        setLoadError(e);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [roomId, attempt]);

  async function loadOlder() {
    const before = tl.minSeq();
    if (before === undefined || olderBusy.current) return;
    olderBusy.current = true;
    setLoadingOlder(true);
    try {
      const page = await api<Page<Message>>('GET', path, undefined, { query: { before, limit: PAGE } });
      tl.merge(page.items);
      setHasOlder(!!page.next_cursor);
    } catch (e) {
      toastError(e);
    } finally {
      olderBusy.current = false;
      setLoadingOlder(false);
    }
  }

  /** The server replayed only the newest messages: fetch the ones between over REST. */
  async function fillGap(after: number, before: number) {
    let cursor = after;
    try {
      for (let i = 0; i < GAP_PAGES && cursor < before - 1; i++) {
        const page = await api<Page<Message>>('GET', path, undefined, { query: { after: cursor, limit: GAP_PAGE } });
        tl.merge(page.items);
        rerender(0);
        const last = page.items[page.items.length - 1]?.seq;
        if (last === undefined || last <= cursor) break;
        cursor = last;
      }
    } catch (e) {
      toastError(e);
    }
    if (cursor < before - 1) {
      // Too far behind: keep the recent part whole, the rest loads with "Load older messages".
      tl.dropBelow(before);
      setHasOlder(true);
      rerender(0);
    }
  }

  // ---- The socket ---------------------------------------------------------------------------

  // Joined once the history is here, from its newest seq: the server replays what came after.
  useRoom(live && !loading && !loadError ? roomId : undefined, () => tl.maxSeq() ?? 0);

  useEffect(
    () =>
      wsState.subscribe((s) => {
        if (s.status === 'open') return;
        joined.current = false;
        // Who was online while we were away is unknown: start again from the next `joined`.
        presence.current = { count: 0, users: new Map() };
      }),
    [],
  );

  function transmit(p: PendingMessage) {
    if (!joined.current || p.state !== 'sending') return;
    if (send({ type: 'send', room: roomId, body: p.body, client_id: p.client_id })) {
      tl.updatePending(p.client_id, { sent_at_ms: Date.now() });
    }
  }

  // Unacknowledged sends go again with the same client_id (the server stores each once).
  useEffect(() => {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const p of tl.pending) {
        if (p.state === 'sending' && (p.sent_at_ms === 0 || now - p.sent_at_ms >= RESEND_MS)) transmit(p);
      }
    }, 1_000);
    return () => clearInterval(timer);
  }, [roomId]);

  function publishOnline() {
    const p = presence.current;
    p.count = Math.max(p.count, p.users.size);
    setOnline({ count: p.count, users: [...p.users.values()] });
  }

  function seeOnline(user: UserRef) {
    if (presence.current.users.has(user.id)) return;
    presence.current.users.set(user.id, user);
    publishOnline();
  }

  useFrame('joined', (f) => {
    if (f.room !== roomId) return;
    joined.current = true;
    setJoinError(null);
    // A presence frame may come just before our `joined` (someone joined while our join was
    // under way; the count may not include them yet): keep who this connection saw.
    const users = presence.current.users;
    if (me) users.set(me.id, { id: me.id, username: me.username });
    presence.current = { count: Math.max(f.members_online, users.size), users };
    publishOnline();
    for (const p of tl.pending) transmit(p);
    markRead();
  });

  useFrame('presence', (f) => {
    if (f.room !== roomId || f.user.id === me?.id) return;
    const p = presence.current;
    if (f.online) {
      if (!p.users.has(f.user.id)) {
        p.users.set(f.user.id, f.user);
        p.count++;
      }
    } else {
      p.users.delete(f.user.id);
      p.count = Math.max(1, p.count - 1);
    }
    publishOnline();
  });

  useFrame('message', (f) => {
    if (f.room !== roomId) return;
    tl.live(f);
    if (typers.current.delete(f.author.id)) setTyping(typingNow());
    rerender(0);
    markRead();
  });

  useFrame('ack', (f) => {
    if (tl.ack(f)) {
      rerender(0);
      markRead();
    }
  });

  useFrame('message_deleted', (f) => {
    if (f.room !== roomId) return;
    tl.markDeleted(f.seq, f.id);
    rerender(0);
  });

  useFrame('history_truncated', (f) => {
    if (f.room === roomId) void fillGap(f.after, f.before);
  });

  useFrame('error', (f) => {
    if (!f.ref) return;
    if (f.ref === roomId) {
      if (f.code === 'unavailable') {
        // The room was briefly unavailable: ask again from where we are.
        setTimeout(() => send({ type: 'join', room: roomId, last_seen: tl.maxSeq() ?? 0 }), 2_000);
      } else {
        joined.current = false;
        setJoinError(f.message || "You can't follow this room right now.");
      }
      return;
    }
    const p = tl.pending.find((x) => x.client_id === f.ref);
    if (!p) return;
    if (TRANSIENT.has(f.code)) {
      tl.updatePending(p.client_id, { sent_at_ms: Date.now() }); // the timer sends it again
      return;
    }
    tl.updatePending(p.client_id, {
      state: 'failed',
      error: f.message || 'The message was not sent.',
      retryable: !FINAL.has(f.code),
    });
    rerender(0);
  });

  // ---- Typing -------------------------------------------------------------------------------

  function typingNow(): UserRef[] {
    const now = Date.now();
    for (const [id, t] of typers.current) if (t.until <= now) typers.current.delete(id);
    return [...typers.current.values()].map((t) => t.user);
  }

  useFrame('typing', (f) => {
    if (f.room !== roomId || f.user.id === me?.id) return;
    typers.current.set(f.user.id, { user: f.user, until: Date.now() + TYPING_SHOW_MS });
    setTyping(typingNow());
    seeOnline(f.user);
    setTimeout(() => setTyping(typingNow()), TYPING_SHOW_MS + 50);
  });

  function notifyTyping() {
    const now = Date.now();
    if (!joined.current || now - typingSentAt.current < TYPING_SEND_MS) return;
    if (send({ type: 'typing', room: roomId })) typingSentAt.current = now;
  }

  // ---- Read markers -------------------------------------------------------------------------

  useFrame('read', (f) => {
    if (f.room !== roomId) return;
    if (f.user.id === me?.id) {
      readSent.current = Math.max(readSent.current, f.up_to); // another tab of ours read it
      return;
    }
    const held = readMarks.current.get(f.user.id);
    if (held && held.up_to >= f.up_to) return;
    readMarks.current.set(f.user.id, { user: f.user, up_to: f.up_to });
    setReaders([...readMarks.current.values()]);
  });

  /** The newest message is on screen in a visible tab: tell the room (at most once a second). */
  function markRead() {
    const top = tl.maxSeq();
    if (top === undefined || top <= readSent.current || !joined.current) return;
    if (!bottomVisible.current || document.visibilityState !== 'visible') return;
    const wait = readAt.current + READ_THROTTLE_MS - Date.now();
    if (wait > 0) {
      readTimer.current ??= setTimeout(() => {
        readTimer.current = undefined;
        markRead();
      }, wait);
      return;
    }
    if (send({ type: 'read', room: roomId, up_to: top })) {
      readSent.current = top;
      readAt.current = Date.now();
    }
  }

  useEffect(() => {
    const onVisibility = () => markRead();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      clearTimeout(readTimer.current);
    };
  }, [roomId]);

  // ---- Actions ------------------------------------------------------------------------------

  function sendMessage(body: string) {
    if (!me) return;
    const p = tl.addPending(body, { id: me.id, username: me.username }, newId());
    rerender(0);
    transmit(p);
  }

  function retry(clientId: string) {
    tl.updatePending(clientId, { state: 'sending', error: undefined, sent_at_ms: 0 });
    rerender(0);
    const p = tl.pending.find((x) => x.client_id === clientId);
    if (p) transmit(p);
  }

  function discard(clientId: string) {
    tl.removePending(clientId);
    rerender(0);
  }

  function setBottomVisible(visible: boolean) {
    bottomVisible.current = visible;
    if (visible) markRead();
  }

  function markDeleted(m: ChatMessage) {
    tl.markDeleted(m.seq, m.id);
    rerender(0);
  }

  return {
    messages: tl.all().filter((m) => !m.deleted),
    pending: tl.pending,
    loading,
    loadError,
    reload: () => setAttempt((n) => n + 1),
    hasOlder,
    loadingOlder,
    loadOlder,
    online,
    typing,
    readers,
    joinError,
    sendMessage,
    retry,
    discard,
    notifyTyping,
    setBottomVisible,
    markDeleted,
  };
}
