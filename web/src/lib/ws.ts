// The app's one WebSocket to /ws: connects while someone is logged in, reconnects with
// backoff, re-joins rooms from where each left off, and fans frames out to listeners.
// Plain TypeScript; Preact components use the hooks in hooks.ts.
import { decode, encode } from '@msgpack/msgpack';
import { accessToken, currentUser, endSession } from './auth';
import { createStore } from './store';
import type { ClientFrame, FrameOf, FrameType, ServerFrame } from './types';

export type WsStatus = 'connecting' | 'open' | 'closed';

export interface WsState {
  status: WsStatus;
  /** Failed attempts since the last open connection: above 0 means "reconnecting". */
  retries: number;
}

export interface RoomSubscription {
  /** The highest `seq` this subscriber holds, so the server replays what came after. */
  lastSeen: () => number | undefined;
}

const PROTOCOLS = ['veza.msgpack.v1', 'veza.json.v1'];
const PING_MS = 20_000;
/** No frame at all (not even our pong) for this long: the connection is dead. */
const SILENCE_MS = 2 * PING_MS + 5_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/** Close codes: 1008 the session was revoked or the user suspended; 1012 the node is draining. */
const POLICY_VIOLATION = 1008;
const SERVICE_RESTART = 1012;

export const wsState = createStore<WsState>({ status: 'closed', retries: 0 });

type Handler = (frame: ServerFrame) => void;
const handlers = new Map<FrameType | '*', Set<Handler>>();
const rooms = new Map<string, Set<RoomSubscription>>();

let socket: WebSocket | null = null;
let running = false;
let connecting = false;
/** Bumped by stop(), so that a connect() still awaiting its token gives up. */
let stopped = 0;
let userId: string | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let lastFrameAt = 0;

/** Connect whenever a user is logged in, disconnect when not; call once at startup. */
export function startWs(): void {
  const follow = (user: { id: string } | null) => {
    if (user?.id === userId) return;
    stop();
    userId = user?.id ?? null;
    if (userId) {
      running = true;
      void connect();
    }
  };
  currentUser.subscribe(follow);
  follow(currentUser.get());
  window.addEventListener('online', () => {
    if (running && !socket) reconnectNow();
  });
}

/** Listen to one frame type ('*' for all); returns the unsubscribe function. */
export function onFrame<T extends FrameType>(type: T, handler: (frame: FrameOf<T>) => void): () => void;
export function onFrame(type: '*', handler: (frame: ServerFrame) => void): () => void;
export function onFrame(type: FrameType | '*', handler: (frame: never) => void): () => void {
  let set = handlers.get(type);
  if (!set) handlers.set(type, (set = new Set()));
  set.add(handler as Handler);
  return () => set.delete(handler as Handler);
}

/**
 * Subscribe to a room's frames; the join is sent now if connected and again after every
 * reconnect. Returns the function that drops this subscription (the room is left when it
 * was the last one).
 */
export function joinRoom(roomId: string, sub: RoomSubscription): () => void {
  let subs = rooms.get(roomId);
  if (!subs) rooms.set(roomId, (subs = new Set()));
  subs.add(sub);
  if (subs.size === 1) sendJoin(roomId);
  return () => {
    subs.delete(sub);
    if (subs.size === 0 && rooms.get(roomId) === subs) leaveRoom(roomId);
  };
}

/** Stop receiving a room's frames on this connection (membership is left over REST). */
export function leaveRoom(roomId: string): void {
  if (rooms.delete(roomId)) send({ type: 'leave', room: roomId });
}

/** Send a frame; false when the socket is not open (the caller keeps it to retry). */
export function send(frame: ClientFrame): boolean {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(socket.protocol === 'veza.msgpack.v1' ? encode(frame) : JSON.stringify(frame));
  return true;
}

// ---- Connection ------------------------------------------------------------------------------

async function connect(): Promise<void> {
  if (socket || connecting) return;
  connecting = true;
  const generation = stopped;
  const retries = wsState.get().retries;
  wsState.set({ status: 'connecting', retries });
  let token: string | null;
  try {
    // A refused upgrade hides its 401 from scripts: after two failures in a row, get a new
    // token in case the node stopped accepting this one.
    token = await accessToken({ force: retries === 2 });
  } catch {
    connecting = false;
    return scheduleRetry();
  }
  connecting = false;
  if (generation !== stopped) {
    if (running) void connect(); // stopped and restarted (another user) while we waited
    return;
  }
  if (!token) return; // logged out: startWs's subscription has stopped us or is about to

  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${window.location.host}/ws?token=${encodeURIComponent(token)}`, PROTOCOLS);
  ws.binaryType = 'arraybuffer';
  socket = ws;

  ws.onopen = () => {
    wsState.set({ status: 'open', retries: 0 });
    lastFrameAt = Date.now();
    pingTimer = setInterval(ping, PING_MS);
    for (const roomId of rooms.keys()) sendJoin(roomId);
  };
  ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
    lastFrameAt = Date.now();
    let frame: ServerFrame;
    try {
      frame = (typeof e.data === 'string' ? JSON.parse(e.data) : decode(new Uint8Array(e.data))) as ServerFrame;
    } catch (err) {
      console.error('ws: undecodable frame', err);
      return;
    }
    dispatch(frame);
  };
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    clearInterval(pingTimer);
    if (!running) return;
    if (e.code === POLICY_VIOLATION) {
      stop();
      endSession('Your session was ended. Please log in again.');
      return;
    }
    scheduleRetry(e.code === SERVICE_RESTART);
  };
}

function ping(): void {
  if (Date.now() - lastFrameAt > SILENCE_MS) {
    // Half-open: the close handshake may never come back, so reconnect without waiting.
    const dead = socket;
    socket = null;
    clearInterval(pingTimer);
    dead?.close(4000, 'silent');
    scheduleRetry();
    return;
  }
  send({ type: 'ping' });
}

function scheduleRetry(soon = false): void {
  if (!running) return;
  const retries = wsState.get().retries + 1;
  wsState.set({ status: 'closed', retries });
  // Jitter keeps a crowd of clients from reconnecting in step after a node restarts.
  const cap = soon ? BACKOFF_BASE_MS * 2 : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** retries);
  const delay = cap / 2 + Math.random() * (cap / 2);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => void connect(), delay);
}

function reconnectNow(): void {
  clearTimeout(retryTimer);
  void connect();
}

function stop(): void {
  running = false;
  stopped++;
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  const ws = socket;
  socket = null;
  ws?.close(1000, 'logout');
  wsState.set({ status: 'closed', retries: 0 });
}

function sendJoin(roomId: string): void {
  // With several subscribers, replay from the one furthest behind: the others skip the
  // `seq` values they already hold.
  const seen = [...(rooms.get(roomId) ?? [])].map((s) => s.lastSeen()).filter((n): n is number => n !== undefined);
  send(seen.length ? { type: 'join', room: roomId, last_seen: Math.min(...seen) } : { type: 'join', room: roomId });
}

function dispatch(frame: ServerFrame): void {
  for (const key of [frame.type, '*'] as const) {
    for (const handler of [...(handlers.get(key) ?? [])]) {
      try {
        handler(frame);
      } catch (err) {
        console.error(`ws: a '${frame.type}' handler failed`, err);
      }
    }
  }
}
