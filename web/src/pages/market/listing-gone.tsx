import { PageError } from '../../components/status';

/** The listing could not be shown: it does not exist (for this viewer), or loading failed. */
export function ListingGone({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <PageError
      error={error}
      title="Couldn't load this listing"
      missing={{ title: 'Listing not found', text: "It was deleted, or it's a draft only its seller can see." }}
      onRetry={onRetry}
      back={{ href: '/market', label: 'Back to the market' }}
    />
  );
}
