import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, humanMessage } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { toast, toastError } from '../../lib/toast';
import type { FriendEntry } from '../../lib/types';
import type { Social } from './use-social';

/** The owner's friends, the requests waiting for an answer, and those they sent. */
export function FriendsPanel({ social }: { social: Social }) {
  const [busy, setBusy] = useState<string | null>(null);
  const { friends, error } = social;

  async function act(key: string, method: 'POST' | 'DELETE', path: string, done: string) {
    setBusy(key);
    try {
      await api(method, path);
      toast(done, 'success');
      social.reload();
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  const path = (f: FriendEntry) => `/users/me/friends/${encodeURIComponent(f.user.id)}`;

  return (
    <section class="profile-section" aria-labelledby="friends-title">
      <h2 id="friends-title">Friends</h2>
      {error ? (
        <p class="form-error" role="alert">
          {humanMessage(error)}
        </p>
      ) : !friends ? (
        <Loading label="Loading your friends…" />
      ) : (
        <>
          <h3 id="incoming-title">Friend requests</h3>
          {friends.incoming.length === 0 ? (
            <p class="muted">No request waiting.</p>
          ) : (
            <ul class="people" aria-labelledby="incoming-title">
              {friends.incoming.map((f) => (
                <Person key={f.user.id} entry={f} note={`Asked on ${formatDate(f.since)}`}>
                  <button
                    type="button"
                    disabled={busy !== null}
                    aria-label={`Accept friend request from ${f.user.username}`}
                    onClick={() => act(f.user.id, 'POST', `${path(f)}/accept`, `You and ${f.user.username} are now friends.`)}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    disabled={busy !== null}
                    aria-label={`Decline friend request from ${f.user.username}`}
                    onClick={() => act(f.user.id, 'DELETE', path(f), `Request from ${f.user.username} declined.`)}
                  >
                    Decline
                  </button>
                </Person>
              ))}
            </ul>
          )}
          {friends.outgoing.length > 0 && (
            <>
              <h3 id="outgoing-title">Sent requests</h3>
              <ul class="people" aria-labelledby="outgoing-title">
                {friends.outgoing.map((f) => (
                  <Person key={f.user.id} entry={f} note={`Sent on ${formatDate(f.since)}`}>
                    <button
                      type="button"
                      class="secondary"
                      disabled={busy !== null}
                      aria-label={`Cancel friend request to ${f.user.username}`}
                      onClick={() => act(f.user.id, 'DELETE', path(f), `Request to ${f.user.username} cancelled.`)}
                    >
                      Cancel
                    </button>
                  </Person>
                ))}
              </ul>
            </>
          )}
          <h3 id="friends-list-title">Your friends</h3>
          {friends.friends.length === 0 ? (
            <p class="muted">No friends yet. Open someone's profile and choose “Add friend”.</p>
          ) : (
            <ul class="people" aria-labelledby="friends-list-title">
              {friends.friends.map((f) => (
                <Person key={f.user.id} entry={f} note={`Friends since ${formatDate(f.since)}`}>
                  <button
                    type="button"
                    class="secondary"
                    disabled={busy !== null}
                    aria-label={`Remove ${f.user.username} from your friends`}
                    onClick={() => act(f.user.id, 'DELETE', path(f), `${f.user.username} is no longer your friend.`)}
                  >
                    Remove
                  </button>
                </Person>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Person({ entry, note, children }: { entry: FriendEntry; note: string; children: ComponentChildren }) {
  return (
    <li class="person">
      <div>
        <a href={`/users/${encodeURIComponent(entry.user.username)}`}>{entry.user.username}</a>
        <p class="muted">{note}</p>
      </div>
      <div class="actions">{children}</div>
    </li>
  );
}
