import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '../../components/dialog';
import { LoadError, Loading } from '../../components/status';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { hasRole } from '../../lib/auth';
import { useFrame, useTitle } from '../../lib/hooks';
import { loginHref, navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Me, Room } from '../../lib/types';
import { AddMemberForm } from './add-member-form';
import { Composer } from './composer';
import { roomName } from './dm-names';
import { MessageList } from './message-list';
import type { MessageActions } from './message-item';
import { OnlineList } from './online-list';
import { RoomHeader } from './room-header';
import type { ChatMessage } from './timeline';
import { TypingIndicator } from './typing-indicator';
import { useBlockedIds } from './use-blocks';
import { useRoomLive } from './use-room-live';

/** A loaded room: the log, the composer, who is here, and the member's actions. */
export function RoomView({ room, me, onRoomChange }: { room: Room; me: Me | null; onRoomChange: (room: Room) => void }) {
  const member = !!room.role;
  const live = !!me && member;
  const r = useRoomLive(room.id, me, live, room.last_read_seq ?? 0);
  const name = roomName(room);
  useTitle(name);
  const blocked = useBlockedIds(me);
  const [showBlocked, setShowBlocked] = useState(false);
  const [deleting, setDeleting] = useState<ChatMessage | null>(null);
  const [leaving, setLeaving] = useState(false);
  const { busy, run } = useAction();
  const roomPath = `/rooms/${encodeURIComponent(room.id)}`;
  const moderates = room.role === 'owner' || room.role === 'moderator' || hasRole(me, 'moderator', 'admin');

  // Someone arrived: they may be a new member, so the member count is read again (debounced).
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useFrame('presence', (f) => {
    if (f.room !== room.id || !f.online || room.is_direct) return;
    clearTimeout(refresh.current);
    refresh.current = setTimeout(() => {
      api<Room>('GET', roomPath).then(
        (fresh) => onRoomChange(fresh),
        () => undefined, // only a count: the next arrival tries again
      );
    }, 1_000);
  });
  useEffect(() => () => clearTimeout(refresh.current), []);

  function actionsFor(m: ChatMessage): MessageActions {
    const mine = !!me && m.author?.id === me.id;
    return {
      canDelete: !!me && (mine || moderates),
      canReport: !!me && !mine,
      onDelete: () => setDeleting(m),
    };
  }

  const deleteMessage = (m: ChatMessage) =>
    run(async () => {
      await api('DELETE', `${roomPath}/messages/${m.id}`);
      r.markDeleted(m);
      setDeleting(null);
      toast('Message deleted.', 'success');
    });

  const join = () =>
    run(async () => {
      onRoomChange(await api<Room>('POST', `${roomPath}/join`));
      toast(`You joined ${room.name}.`, 'success');
    });

  const leave = () =>
    run(async () => {
      await api('POST', `${roomPath}/leave`);
      toast(`You left ${name}.`, 'success');
      navigate('/rooms');
    });

  const hiddenCount = showBlocked ? 0 : r.messages.filter((m) => m.author && blocked.has(m.author.id)).length;

  return (
    <section class="room-page">
      <RoomHeader room={room} name={name} online={live ? r.online : null} />
      <div class="room-layout">
        <div class="room-main">
          {blocked.size > 0 && (hiddenCount > 0 || showBlocked) && (
            <p class="blocked-toggle">
              <button type="button" class="chat-action" onClick={() => setShowBlocked((v) => !v)}>
                {showBlocked
                  ? 'Hide messages from blocked users'
                  : `Show ${hiddenCount} hidden message${hiddenCount === 1 ? '' : 's'} from blocked users`}
              </button>
            </p>
          )}
          {r.loading ? (
            <Loading label="Loading messages…" />
          ) : r.loadError ? (
            <LoadError error={r.loadError} onRetry={r.reload} />
          ) : (
            <MessageList
              messages={r.messages}
              pending={r.pending}
              readers={r.readers}
              blocked={blocked}
              showBlocked={showBlocked}
              hasOlder={r.hasOlder}
              loadingOlder={r.loadingOlder}
              onLoadOlder={r.loadOlder}
              onBottomVisible={r.setBottomVisible}
              actionsFor={actionsFor}
              onRetry={r.retry}
              onDiscard={r.discard}
            />
          )}
          <TypingIndicator users={r.typing} />
          {r.joinError && (
            <p class="form-error" role="alert">
              {r.joinError}
            </p>
          )}
          {live ? (
            <Composer onSend={r.sendMessage} onTyping={r.notifyTyping} />
          ) : me ? (
            <p class="panel join-prompt">
              <span>You are not a member of this room.</span>
              {room.visibility === 'public' && (
                <button type="button" disabled={busy} onClick={join}>
                  Join room
                </button>
              )}
            </p>
          ) : (
            <p class="panel join-prompt">
              <a href={loginHref()}>Log in</a> to join the conversation.
            </p>
          )}
        </div>
        <aside class="room-side" aria-label="About this room">
          {live && <OnlineList online={r.online} meId={me?.id} />}
          {live && room.visibility === 'private' && !room.is_direct && moderates && <AddMemberForm roomId={room.id} />}
          {live && (
            <section class="panel room-panel" aria-labelledby="membership-title">
              <h2 id="membership-title">Membership</h2>
              <p class="muted">{roleText(room)}</p>
              <button type="button" class="secondary" disabled={busy} onClick={() => setLeaving(true)}>
                {room.is_direct ? 'Leave conversation' : 'Leave room'}
              </button>
            </section>
          )}
        </aside>
      </div>
      {deleting && (
        <ConfirmDialog
          title="Delete this message?"
          confirmLabel="Delete message"
          busy={busy}
          onConfirm={() => void deleteMessage(deleting)}
          onClose={() => setDeleting(null)}
        >
          <p>
            {deleting.author?.id === me?.id
              ? 'It disappears for everyone in the room.'
              : `The message from ${deleting.author?.username ?? 'this user'} disappears for everyone in the room.`}
          </p>
        </ConfirmDialog>
      )}
      {leaving && (
        <ConfirmDialog title={`Leave ${name}?`} confirmLabel="Leave" busy={busy} onConfirm={() => void leave()} onClose={() => setLeaving(false)}>
          <p>{room.visibility === 'private' ? 'You will need to be added again to come back.' : 'You can join again at any time.'}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function roleText(room: Room): string {
  if (room.is_direct) return 'A conversation between the two of you.';
  if (room.role === 'owner') return 'You own this room.';
  if (room.role === 'moderator') return 'You moderate this room.';
  return 'You are a member of this room.';
}
