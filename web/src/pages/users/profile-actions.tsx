import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { roomHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { PublicProfile, Room } from '../../lib/types';
import { relationTo, type Social } from './use-social';

/** What the viewer can do about someone else: message, befriend, block. */
export function ProfileActions({ profile, social }: { profile: PublicProfile; social: Social }) {
  const { busy, run } = useAction();
  const id = encodeURIComponent(profile.id);
  const name = profile.username;
  const relation = social.friends ? relationTo(social.friends, profile.id) : null;
  const blocked = social.blocks ? social.blocks.some((b) => b.user.id === profile.id) : null;

  const message = () =>
    run(async () => {
      const room = await api<Room>('POST', `/dm/${id}`);
      navigate(roomHref(room.id));
    });

  const befriend = () =>
    run(async () => {
      await api('POST', `/users/${id}/friend-request`);
      toast(`Friend request sent to ${name}.`, 'success');
      social.reload();
    });

  const accept = () =>
    run(async () => {
      await api('POST', `/users/me/friends/${id}/accept`);
      toast(`You and ${name} are now friends.`, 'success');
      social.reload();
    });

  const unfriend = (done: string) =>
    run(async () => {
      await api('DELETE', `/users/me/friends/${id}`);
      toast(done, 'success');
      social.reload();
    });

  const toggleBlock = () =>
    run(async () => {
      await api(blocked ? 'DELETE' : 'POST', `/users/${id}/block`);
      toast(blocked ? `You unblocked ${name}.` : `You blocked ${name}. They can no longer message you or send you requests.`, 'success');
      social.reload();
    });

  return (
    <div class="actions profile-actions">
      <button type="button" disabled={busy || blocked === true} onClick={message}>
        Message
      </button>
      {relation === 'none' && (
        <button type="button" class="secondary" disabled={busy || blocked === true} onClick={befriend}>
          Add friend
        </button>
      )}
      {relation === 'incoming' && (
        <button type="button" class="secondary" disabled={busy} onClick={accept}>
          Accept friend request
        </button>
      )}
      {relation === 'outgoing' && (
        <button type="button" class="secondary" disabled={busy} onClick={() => unfriend(`Friend request to ${name} cancelled.`)}>
          Cancel friend request
        </button>
      )}
      {relation === 'friend' && (
        <button type="button" class="secondary" disabled={busy} onClick={() => unfriend(`${name} is no longer your friend.`)}>
          Remove friend
        </button>
      )}
      {blocked !== null && (
        <button type="button" class={blocked ? 'secondary' : 'danger'} disabled={busy} onClick={toggleBlock}>
          {blocked ? 'Unblock' : 'Block'}
        </button>
      )}
    </div>
  );
}
