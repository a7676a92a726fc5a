import { userHref } from '../../lib/links';
import type { Online } from './use-room-live';

/** Who is here now: the count from the server, and the people we know of by name. */
export function OnlineList({ online, meId }: { online: Online | null; meId: string | undefined }) {
  if (!online) {
    return (
      <section class="panel room-panel" aria-labelledby="online-title">
        <h2 id="online-title">Online now</h2>
        <p class="muted">Connecting…</p>
      </section>
    );
  }
  const others = online.count - online.users.length;
  const users = [...online.users].sort((a, b) => (a.id === meId ? -1 : b.id === meId ? 1 : a.username.localeCompare(b.username)));
  return (
    <section class="panel room-panel" aria-labelledby="online-title">
      <h2 id="online-title">Online now</h2>
      <ul class="online-list" aria-labelledby="online-title">
        {users.map((u) => (
          <li key={u.id}>
            <span class="dot tone-ok" aria-hidden="true" />
            <a href={userHref(u.username)}>{u.username}</a>
            {u.id === meId && <span class="muted"> (you)</span>}
          </li>
        ))}
      </ul>
      {others > 0 && (
        <p class="muted">
          and {others} other{others === 1 ? '' : 's'}
        </p>
      )}
    </section>
  );
}
