import { ApiError } from '../../lib/api';
import { explain } from './errors';

/** The listing could not be shown: it does not exist (for this viewer), or loading failed. */
export function ListingGone({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <section class="status-page">
      <h1>{missing ? 'Listing not found' : "Couldn't load this listing"}</h1>
      <p>{missing ? "It was deleted, or it's a draft only its seller can see." : explain(error)}</p>
      <p class="actions center">
        {!missing && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
        <a class="button secondary" href="/market">
          Back to the market
        </a>
      </p>
    </section>
  );
}
