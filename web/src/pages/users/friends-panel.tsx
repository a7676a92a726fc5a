import type { ComponentChildren } from 'preact';
import { FormError } from '../../components/form';
import { Loading } from '../../components/status';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { userHref } from '../../lib/links';
import { toast } from '../../lib/toast';
import type { FriendEntry } from '../../lib/types';
import type { Social } from './use-social';

/** One button on a person's line: what it says, its full name, the call and what to say after. */
interface Act {
  label: string;
  name: string;
  method: 'POST' | 'DELETE';
  path: string;
  done: string;
  secondary?: boolean;
}

/** The owner's friends, the requests waiting for an answer, and those they sent. */
export function FriendsPanel({ social }: { social: Social }) {
  const { busy, run } = useAction();
  const { friends, error } = social;

  const act = (a: Act) =>
    run(async () => {
      await api(a.method, a.path);
      toast(a.done, 'success');
      social.reload();
    });

  const path = (f: FriendEntry) => `/users/me/friends/${encodeURIComponent(f.user.id)}`;

  function list(id: string, entries: FriendEntry[], note: (f: FriendEntry) => string, acts: (f: FriendEntry) => Act[]) {
    return (
      <ul class="people" aria-labelledby={id}>
        {entries.map((f) => (
          <Person key={f.user.id} entry={f} note={note(f)}>
            {acts(f).map((a) => (
              <button key={a.label} type="button" class={a.secondary ? 'secondary' : undefined} disabled={busy} aria-label={a.name} onClick={() => act(a)}>
                {a.label}
              </button>
            ))}
          </Person>
        ))}
      </ul>
    );
  }

  return (
    <section class="profile-section" aria-labelledby="friends-title">
      <h2 id="friends-title">Friends</h2>
      {error ? (
        <FormError error={error} />
      ) : !friends ? (
        <Loading label="Loading your friends…" />
      ) : (
        <>
          <h3 id="incoming-title">Friend requests</h3>
          {friends.incoming.length === 0 ? (
            <p class="muted">No request waiting.</p>
          ) : (
            list(
              'incoming-title',
              friends.incoming,
              (f) => `Asked on ${formatDate(f.since)}`,
              (f) => [
                {
                  label: 'Accept',
                  name: `Accept friend request from ${f.user.username}`,
                  method: 'POST',
                  path: `${path(f)}/accept`,
                  done: `You and ${f.user.username} are now friends.`,
                },
                {
                  label: 'Decline',
                  name: `Decline friend request from ${f.user.username}`,
                  method: 'DELETE',
                  path: path(f),
                  done: `Request from ${f.user.username} declined.`,
                  secondary: true,
                },
              ],
            )
          )}
          {friends.outgoing.length > 0 && (
            <>
              <h3 id="outgoing-title">Sent requests</h3>
              {list(
                'outgoing-title',
                friends.outgoing,
                (f) => `Sent on ${formatDate(f.since)}`,
                (f) => [
                  {
                    label: 'Cancel',
                    name: `Cancel friend request to ${f.user.username}`,
                    method: 'DELETE',
                    path: path(f),
                    done: `Request to ${f.user.username} cancelled.`,
                    secondary: true,
                  },
                ],
              )}
            </>
          )}
          <h3 id="friends-list-title">Your friends</h3>
          {friends.friends.length === 0 ? (
            <p class="muted">No friends yet. Open someone's profile and choose “Add friend”.</p>
          ) : (
            list(
              'friends-list-title',
              friends.friends,
              (f) => `Friends since ${formatDate(f.since)}`,
              (f) => [
                {
                  label: 'Remove',
                  name: `Remove ${f.user.username} from your friends`,
                  method: 'DELETE',
                  path: path(f),
                  done: `${f.user.username} is no longer your friend.`,
                  secondary: true,
                },
              ],
            )
          )}
        </>
      )}
    </section>
  );
}

function Person({ entry, note, children }: { entry: FriendEntry; note: string; children: ComponentChildren }) {
  return (
    <li class="panel person">
      <div>
        <a href={userHref(entry.user.username)}>{entry.user.username}</a>
        <p class="muted">{note}</p>
      </div>
      <div class="actions">{children}</div>
    </li>
  );
}
