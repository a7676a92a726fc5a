// Every HTTP call to the node goes through here: base path, bearer token, one retry after a
// refresh, Idempotency-Key on mutating POSTs, and problem+json turned into ApiError.
import { formatBytes } from './format';
import { newId } from './id';
import type { Problem } from './types';

export const API_BASE = '/api/v1';

/** The code of a request refused because the session just ended (auth.ts has told the person). */
export const SESSION_ENDED = 'session_ended';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiOptions {
  /** Query parameters; undefined, null and '' are left out. */
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  /** Reuse a key to retry a POST safely: the server replays the first answer. */
  idempotencyKey?: string;
  /** Send the bearer token when logged in (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

/** A refusal from the node (a problem+json answer), or status 0 when it could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly fieldErrors: Record<string, string[]>;
  /** Seconds, from Retry-After on 429 and 503. */
  readonly retryAfter: number | undefined;
  /** The API path that refused (`/listings/…`): some refusals read differently by area. */
  readonly path: string;

  constructor(problem: Problem, retryAfter?: number, path = '') {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.fieldErrors = problem.errors ?? {};
    this.retryAfter = retryAfter;
    this.path = path;
  }
}

/** A check made before sending, shaped like the node's 422, so forms show it as they show the node's. */
export function invalid(errors: Record<string, string[]>, detail = ''): ApiError {
  return new ApiError({ type: 'about:blank', status: 422, code: 'validation_failed', title: 'Invalid', detail, errors });
}

/** Where the bearer token comes from; auth.ts plugs itself in, so this file needs no session. */
export interface TokenSource {
  /** A usable access token, or null when logged out. */
  token(): Promise<string | null>;
  /** The node refused `rejected` (401): get a new one, or null when the session is over. */
  renew(rejected: string): Promise<string | null>;
}

let tokens: TokenSource = { token: async () => null, renew: async () => null };

export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

/** A JSON call: `body` is sent as JSON (FormData and Blob as they are); 204 gives undefined. */
export async function api<T = void>(method: Method, path: string, body?: unknown, opts: ApiOptions = {}): Promise<T> {
  const raw = body === undefined || isBinary(body);
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (!raw) headers['Content-Type'] = 'application/json';
  const res = await apiFetch(method, path, {
    ...opts,
    headers,
    body: raw ? (body as BodyInit | undefined) : JSON.stringify(body),
  });
  if (res.status === 204 || method === 'HEAD') return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The raw Response for what is not JSON (streams, blobs, HEAD, upload PATCH), with the same
 * token, retry and Idempotency-Key handling as api(). Throws ApiError unless the answer is 2xx.
 */
export async function apiFetch(method: Method, path: string, opts: ApiOptions & { body?: BodyInit | null } = {}): Promise<Response> {
  const url = API_BASE + path + queryString(opts.query);
  let token = opts.auth === false ? null : await tokens.token();
  const key = method === 'POST' && token ? (opts.idempotencyKey ?? newId()) : undefined;

  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(opts.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    if (key) headers.set('Idempotency-Key', key);
    const res = await send(url, { method, headers, body: opts.body ?? null, signal: opts.signal ?? null });
    if (res.ok) return res;

    const error = await toApiError(res, path);
    if (token && attempt === 0 && res.status === 401 && (error.code === 'token_expired' || error.code === 'token_invalid')) {
      token = await tokens.renew(token);
      if (token) continue;
    }
    throw error;
  }
}

/** GET something binary (cover art, an export) as a Blob. */
export async function apiBlob(path: string, opts: ApiOptions = {}): Promise<Blob> {
  return (await apiFetch('GET', path, opts)).blob();
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (isAbortError(e)) throw e;
    throw new ApiError({ type: 'about:blank', status: 0, code: 'network', title: 'Network error', detail: String(e) });
  }
}

async function toApiError(res: Response, path: string): Promise<ApiError> {
  const retryAfter = Number(res.headers.get('Retry-After')) || undefined;
  let problem: Partial<Problem> = {};
  if (/json/.test(res.headers.get('Content-Type') ?? '')) {
    problem = await res.json().catch(() => ({}));
  }
  return new ApiError(
    {
      type: problem.type ?? 'about:blank',
      status: res.status,
      code: problem.code ?? `http_${res.status}`,
      title: problem.title ?? res.statusText,
      detail: problem.detail ?? '',
      errors: problem.errors ?? {},
    },
    retryAfter,
    path,
  );
}

function queryString(query: ApiOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function isBinary(body: unknown): boolean {
  return body instanceof FormData || body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body);
}

export function isAbortError(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** The offers and listings API: a few refusals there name what changed. */
const MARKET = /^\/(listings|offers)(\/|$)/;

const AUDIO = 'MP3, FLAC, Ogg Vorbis, Opus, WAV or M4A';
const SESSION_OVER = 'Your session has ended. Please log in again.';

/**
 * The node's refusals in plain words, by code: one table for every area. A function decides
 * from the error itself; when it returns undefined, the node's own words are shown.
 */
const MESSAGES: Record<string, string | ((e: ApiError) => string | undefined)> = {
  // Network, sessions and accounts
  network: "Can't reach the server — check your connection.",
  invalid_credentials: "That login and password don't match an account.",
  email_taken: 'An account with this email address already exists.',
  username_taken: 'This username is already taken.',
  link_invalid: 'This link has expired or was already used. Ask for a new one.',
  refresh_token_reused: 'Your session was ended for safety. Please log in again.',
  [SESSION_ENDED]: SESSION_OVER,
  token_expired: SESSION_OVER,
  token_invalid: SESSION_OVER,
  unauthenticated: 'Please log in to do that.',
  // Any request
  validation_failed: (e) => {
    const fields = Object.entries(e.fieldErrors).map(([field, msgs]) => `${field}: ${msgs.join(', ')}`);
    return fields.length ? `Please fix: ${fields.join('; ')}.` : e.detail || 'Some values are not valid.';
  },
  rate_limited: (e) =>
    e.retryAfter
      ? `Too many requests. Try again in ${e.retryAfter} second${e.retryAfter === 1 ? '' : 's'}.`
      : 'Too many requests. Try again in a moment.',
  unavailable: 'The service is briefly unavailable. Try again in a moment.',
  not_found: "That doesn't exist, or you can't see it.",
  forbidden: "You're not allowed to do that.",
  conflict: (e) => e.detail || 'That clashes with the current state. Reload and try again.',
  invalid_transition: (e) =>
    MARKET.test(e.path)
      ? "That isn't possible any more: the listing or offer changed in the meantime."
      : "That isn't possible in its current state. Reload to see the latest.",
  // The marketplace
  listing_sold: 'This listing is sold: it can no longer be changed.',
  listing_has_accepted_offer: 'This listing has an accepted offer, so it cannot be deleted.',
  currency_locked: "The currency of a listing that is for sale or reserved can't change.",
  own_listing: "You can't make an offer on your own listing.",
  listing_not_active: 'This listing is not for sale right now.',
  offer_exists: 'You already have an open offer on this listing.',
  not_your_turn: "It's not your turn: wait for the other party's answer.",
  currency_mismatch: "Offers must be in the listing's currency.",
  already_confirmed: 'You have already confirmed this exchange.',
  // Blocked elsewhere (messages, friends), the node's words say what was refused.
  blocked: (e) => (MARKET.test(e.path) ? "The seller doesn't accept offers from you." : undefined),
  // Uploads, tracks and playlists
  unsupported_audio: `This file isn't audio Veza can play. Choose an ${AUDIO} file.`,
  unsupported_media_type: `This file type isn't accepted. Choose an ${AUDIO} file.`,
  upload_too_large: tooLarge,
  payload_too_large: tooLarge,
  quota_exceeded: 'This upload would go past your storage space. Delete some of your tracks, then try again.',
  upload_expired: 'This upload waited too long and expired. Start it again.',
  checksum_mismatch: 'The file changed while it was being uploaded. Start again.',
  track_in_playlist: 'This track is already in that playlist.',
  playlist_full: 'That playlist is full: remove some tracks first.',
  // Search
  query_empty: 'Type at least one word to search for.',
  query_too_long: 'That search is too long: keep it under 256 characters.',
  query_too_many_terms: 'That search has too many words: use at most 10.',
  unknown_type: 'Choose listings, tracks, users or rooms.',
  cursor_invalid: 'These results have changed: search again.',
  // Moderation
  case_claimed: 'Another moderator is working on this case: their claim has not expired yet.',
  case_resolved: 'This case was resolved already.',
};

/** The limit is in the node's detail ("… larger than 209715200 bytes"). */
function tooLarge(e: ApiError): string {
  const limit = /(\d{4,})/.exec(e.detail)?.[1];
  return limit ? `This file is too large: tracks can be at most ${formatBytes(Number(limit))}.` : 'This file is too large to upload.';
}

/** One plain sentence for a person, whatever failed. */
export function humanMessage(err: unknown): string {
  if (!(err instanceof ApiError)) {
    return err instanceof Error && err.message ? `Something went wrong: ${err.message}` : 'Something went wrong.';
  }
  const entry = MESSAGES[err.code];
  const message = typeof entry === 'function' ? entry(err) : entry;
  return message ?? (err.detail || err.title || `Something went wrong (HTTP ${err.status}).`);
}
