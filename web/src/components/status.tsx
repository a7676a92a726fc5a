// Small whole-page states shared by every area.
import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
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

/** A page whose area is still to be built. */
export function Placeholder({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <section>
      <h1>{title}</h1>
      {children ?? <p class="muted">Coming soon.</p>}
    </section>
  );
}
