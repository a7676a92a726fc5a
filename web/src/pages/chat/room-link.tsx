import { roomHref } from '../../lib/links';
import type { Room } from '../../lib/types';
import { roomName } from './dm-names';

/** One of the caller's rooms in the list: its name (a DM: the other person) and unread count. */
export function RoomLink({ room }: { room: Room }) {
  const name = roomName(room);
  const unread = room.unread ?? 0;
  return (
    <li class="panel room-item" data-testid="room">
      <a class="room-link" href={roomHref(room.id)}>
        <span class="room-name">{name}</span>
        {unread > 0 && (
          <span class="badge badge-unread">
            {unread > 99 ? '99+' : unread}
            <span class="visually-hidden"> unread</span>
          </span>
        )}
      </a>
      {room.topic && <p class="room-topic muted">{room.topic}</p>}
    </li>
  );
}
