// The login session: the token pair in localStorage (shared by every tab), refreshed before it
// expires with one refresh at a time across tabs, and the current user for the UI.
import { ApiError, SESSION_ENDED, api, humanMessage, setTokenSource } from './api';
import { createStore } from './store';
import type { Me, TokenPair } from './types';

const KEY = 'veza.session';
const LOCK = 'veza-refresh';
/** Never use an access token with less than this left: it could expire on the way. */
const MARGIN_MS = 5_000;
const RETRY_MS = 10_000;

interface Stored {
  access_token: string;
  refresh_token: string;
  /** ms since the epoch */
  expires_at: number;
  /** ms, the token's whole lifetime, to refresh at 80 % of it */
  lifetime: number;
  user: Me;
}

let current: Stored | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<string | null> | null = null;
const endListeners = new Set<(message: string) => void>();

/** The logged-in user, or null. Components read it with useSession(). */
export const currentUser = createStore<Me | null>(null);

/** Load the stored session and keep it in step with other tabs; call once at startup. */
export function initAuth(): void {
  setTokenSource({ token: accessToken, renew });
  apply(read());
  window.addEventListener('storage', (e) => {
    if (e.key === KEY || e.key === null) apply(read());
  });
  // Only brings roles up to date; when it fails, the next request says why.
  if (current) void refreshUser().catch(() => undefined);
}

export function hasRole(user: Me | null, ...roles: string[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r));
}

// ---- Logging in and out ----------------------------------------------------------------------

export function login(login: string, password: string): Promise<Me> {
  return start(api<TokenPair>('POST', '/auth/login', { login, password }, { auth: false }));
}

export function register(email: string, username: string, password: string): Promise<Me> {
  return start(api<TokenPair>('POST', '/auth/register', { email, username, password }, { auth: false }));
}

/** Always answers 202: the node does not say whether the account exists. */
export async function requestMagicLink(email: string): Promise<void> {
  await api('POST', '/auth/magic-link', { email }, { auth: false });
}

export function verifyMagicLink(token: string): Promise<Me> {
  return start(api<TokenPair>('POST', '/auth/magic-link/verify', { token }, { auth: false }));
}

/** Trade the `login_code` an OAuth callback redirected us with for a session. */
export function exchangeLoginCode(code: string): Promise<Me> {
  return start(api<TokenPair>('POST', '/auth/oauth/exchange', { login_code: code }, { auth: false }));
}

/** Revoke this session on the node, then forget it here (and in every tab). */
export async function logout(): Promise<void> {
  if (!current) return;
  try {
    // A token about to expire is renewed first, so the bearer and the body name one session.
    await accessToken();
    if (current) await api('POST', '/auth/logout', { refresh_token: current.refresh_token });
  } catch (e) {
    // Already revoked or expired on the node: nothing left to undo.
    if (!(e instanceof ApiError && e.status === 401)) throw e;
  } finally {
    clear();
  }
}

/** Revoke every session of this user, on every device. */
export async function logoutAll(): Promise<void> {
  await api('POST', '/auth/logout-all');
  clear();
}

/** Forget the session because the node ended it, and tell the app (which goes to /login). */
export function endSession(message: string): void {
  if (!current) return;
  clear();
  for (const listener of [...endListeners]) listener(message);
}

export function onSessionEnd(listener: (message: string) => void): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

/** Re-read the user (roles can change while logged in). */
export async function refreshUser(): Promise<Me | null> {
  const user = await api<Me>('GET', '/auth/me');
  if (current) save({ ...current, user });
  return user;
}

// ---- Tokens ----------------------------------------------------------------------------------

/**
 * A usable access token, or null when logged out: refreshed first when it is about to expire
 * (or with `force`, when the node turned it down in a way the HTTP layer cannot see).
 */
export async function accessToken(opts: { force?: boolean } = {}): Promise<string | null> {
  if (!current) return null;
  if (opts.force || current.expires_at - Date.now() < MARGIN_MS) return (await refresh()) ?? sessionEnded();
  return current.access_token;
}

async function renew(rejected: string): Promise<string | null> {
  if (current && current.access_token !== rejected && current.expires_at - Date.now() >= MARGIN_MS) {
    return current.access_token;
  }
  return (await refresh()) ?? sessionEnded();
}

/** The request that needed the session fails quietly: endSession() has told the person already. */
function sessionEnded(): never {
  throw new ApiError({ type: 'about:blank', status: 401, code: SESSION_ENDED, title: 'Session ended', detail: '' });
}

/** One refresh per tab at a time, and one per browser at a time where Web Locks exist. */
function refresh(): Promise<string | null> {
  inflight ??= refreshAcrossTabs(current?.refresh_token).finally(() => {
    inflight = null;
  });
  return inflight;
}

async function refreshAcrossTabs(meantToUse: string | undefined): Promise<string | null> {
  const run = () => refreshUnlessRotated(meantToUse);
  if (!navigator.locks) return run();
  return await navigator.locks.request(LOCK, run);
}

async function refreshUnlessRotated(meantToUse: string | undefined): Promise<string | null> {
  // Another tab may have rotated the pair while we waited for the lock: its refresh token is
  // the only live one now, and if its access token is fresh there is nothing left to do.
  // (Chrome may show us that tab's write a moment late; we then refresh the superseded token,
  // which the node's reuse grace answers with a fresh pair for the same session: no harm.)
  const stored = read() ?? current; // `current` alone when storage is disabled
  if (!stored) return null;
  if (stored.refresh_token !== meantToUse && stored.expires_at - Date.now() >= MARGIN_MS) {
    apply(stored);
    return stored.access_token;
  }
  try {
    const pair = await api<TokenPair>('POST', '/auth/refresh', { refresh_token: stored.refresh_token }, { auth: false });
    save(toStored(pair, stored.user));
    return pair.access_token;
  } catch (e) {
    // 401: reused, revoked or unknown; the session is over. Anything else: try again later.
    if (e instanceof ApiError && e.status === 401) {
      endSession(humanMessage(e));
      return null;
    }
    schedule(RETRY_MS);
    throw e;
  }
}

// ---- State -----------------------------------------------------------------------------------

async function start(request: Promise<TokenPair>): Promise<Me> {
  const pair = await request;
  save(toStored(pair, pair.user));
  return pair.user;
}

function toStored(pair: TokenPair, fallbackUser: Me): Stored {
  const lifetime = pair.expires_in * 1000;
  return {
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    expires_at: Date.now() + lifetime,
    lifetime,
    user: pair.user ?? fallbackUser,
  };
}

function save(session: Stored): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // Storage full or disabled: the session still works in this tab.
  }
  apply(session);
}

function clear(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // see save()
  }
  apply(null);
}

function read(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Stored) : null;
    return s && s.refresh_token && s.user ? s : null;
  } catch {
    return null;
  }
}

/** Make `session` this tab's state: user store, refresh timer. */
function apply(session: Stored | null): void {
  current = session;
  clearTimeout(timer);
  if (session) {
    const early = Math.max(session.lifetime * 0.2, MARGIN_MS);
    schedule(session.expires_at - early - Date.now());
  }
  const before = currentUser.get();
  const user = session?.user ?? null;
  if (JSON.stringify(before) !== JSON.stringify(user)) currentUser.set(user);
}

function schedule(ms: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (current) refresh().catch(() => undefined);
  }, Math.max(ms, 0));
}
