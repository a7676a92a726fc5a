// Short messages in the page's polite live region: how every failure a person must know about
// gets shown when there is no form to show it in. Nothing fails silently.
import { ApiError, SESSION_ENDED, humanMessage, isAbortError } from './api';
import { createStore } from './store';

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  message: string;
  kind: ToastKind;
}

const MAX_SHOWN = 4;
/** Errors stay until dismissed: a person may need time to read them. */
const FADE_MS = 6_000;

export const toasts = createStore<Toast[]>([]);
let nextId = 1;

export function toast(message: string, kind: ToastKind = 'info'): void {
  const shown = toasts.get();
  // The same failure again (a flaky connection) must not stack up copies.
  if (shown.some((t) => t.message === message && t.kind === kind)) return;
  const id = nextId++;
  toasts.set([...shown, { id, message, kind }].slice(-MAX_SHOWN));
  if (kind !== 'error') setTimeout(() => dismissToast(id), FADE_MS);
}

/** Show what went wrong with a request; a cancelled request is no failure. */
export function toastError(err: unknown): void {
  if (isAbortError(err)) return;
  // auth.ts already said so when it ended the session, and the login page is on its way.
  if (err instanceof ApiError && err.code === SESSION_ENDED) return;
  toast(humanMessage(err), 'error');
}

export function dismissToast(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}
