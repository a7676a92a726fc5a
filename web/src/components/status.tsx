// The states every area shows the same way: loading, nothing there, not found, not allowed, and
// what could not be loaded (with a way to try again).
import type { ComponentChildren } from 'preact';
import { ApiError, humanMessage } from '../lib/api';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** A list or a page section with nothing in it yet: what to say, with a link to act on it. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function NotFound() {
  return (
    <section class="status-page">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </section>
  );
}

export function Forbidden() {
  return (
    <section class="status-page">
      <h1>Not allowed</h1>
      <p>Your account can't open this page.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </section>
  );
}

/** Part of a page could not be loaded: why, and a way to try again. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div class="form-error load-error" role="alert">
      <p>{humanMessage(error)}</p>
      <button type="button" class="secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

interface PageErrorProps {
  error: unknown;
  /** The heading when loading failed: "This track could not be loaded". */
  title: string;
  /** What a 404 means for this page; without it, the plain "Page not found". */
  missing?: { title: string; text: string };
  onRetry?: () => void;
  /** Where to go instead. */
  back?: { href: string; label: string };
}

/** The page's subject could not be shown: it does not exist (for this viewer), or loading failed. */
export function PageError({ error, title, missing, onRetry, back }: PageErrorProps) {
  const gone = error instanceof ApiError && error.status === 404;
  if (gone && !missing) return <NotFound />;
  return (
    <section class="status-page">
      <h1>{gone ? missing!.title : title}</h1>
      {gone ? <p>{missing!.text}</p> : <p role="alert">{humanMessage(error)}</p>}
      {((onRetry && !gone) || back) && (
        <p class="actions center">
          {onRetry && !gone && (
            <button type="button" onClick={onRetry}>
              Try again
            </button>
          )}
          {back && (
            <a class="button secondary" href={back.href}>
              {back.label}
            </a>
          )}
        </p>
      )}
    </section>
  );
}
