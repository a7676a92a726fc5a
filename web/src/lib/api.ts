// Every HTTP call to the node goes through here: base path, bearer token, one retry after a
// refresh, Idempotency-Key on mutating POSTs, and problem+json turned into ApiError.
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

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.fieldErrors = problem.errors ?? {};
    this.retryAfter = retryAfter;
  }
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

    const error = await toApiError(res);
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

async function toApiError(res: Response): Promise<ApiError> {
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

/** One plain sentence for a person, whatever failed. */
export function humanMessage(err: unknown): string {
  if (!(err instanceof ApiError)) {
    return err instanceof Error && err.message ? `Something went wrong: ${err.message}` : 'Something went wrong.';
  }
  switch (err.code) {
    case 'network':
      return "Can't reach the server — check your connection.";
    case 'invalid_credentials':
      return "That login and password don't match an account.";
    case 'email_taken':
      return 'An account with this email address already exists.';
    case 'username_taken':
      return 'This username is already taken.';
    case 'validation_failed': {
      const fields = Object.entries(err.fieldErrors).map(([field, msgs]) => `${field}: ${msgs.join(', ')}`);
      return fields.length ? `Please fix: ${fields.join('; ')}.` : err.detail || 'Some values are not valid.';
    }
    case 'rate_limited':
      return err.retryAfter
        ? `Too many requests. Try again in ${err.retryAfter} second${err.retryAfter === 1 ? '' : 's'}.`
        : 'Too many requests. Try again in a moment.';
    case 'unavailable':
      return 'The service is briefly unavailable. Try again in a moment.';
    case 'not_found':
      return "That doesn't exist, or you can't see it.";
    case 'forbidden':
      return "You're not allowed to do that.";
    case 'conflict':
      return err.detail || 'That clashes with the current state. Reload and try again.';
    case 'invalid_transition':
      return "That isn't possible in its current state. Reload to see the latest.";
    case 'link_invalid':
      return 'This link has expired or was already used. Ask for a new one.';
    case 'refresh_token_reused':
      return 'Your session was ended for safety. Please log in again.';
    case SESSION_ENDED:
    case 'token_expired':
    case 'token_invalid':
      return 'Your session has ended. Please log in again.';
    case 'unauthenticated':
      return 'Please log in to do that.';
    default:
      return err.detail || err.title || `Something went wrong (HTTP ${err.status}).`;
  }
}
