import { humanMessage } from '../../lib/api';

/** Why something could not be loaded, with a way to try again. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div class="form-error load-error" role="alert">
      <span>{humanMessage(error)}</span>
      <button type="button" class="secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** A section the API keeps to admins, opened by a moderator. */
export function AdminsOnly({ what }: { what: string }) {
  return (
    <p class="notice">
      Only admins can see {what}. Moderators work the <a href="/admin/reports">reports</a> and the{' '}
      <a href="/admin/users">users</a>.
    </p>
  );
}
