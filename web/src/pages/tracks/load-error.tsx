import { humanMessage } from '../../lib/api';

/** A list that could not be loaded: why, and a way to try again. */
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
