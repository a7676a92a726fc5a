import type { Me, Room } from '../../lib/types';
import { useRoomName } from './dm-names';

/** One of the caller's rooms in the list: its name (a DM: the other person) and unread count. */
export function RoomLink({ room, me }: { room: Room; me: Me | null }) {
  const name = useRoomName(room, me);
  const unread = room.unread ?? 0;
  return (
    <li class="room-item" data-testid="room">
      <a class="room-link" href={`/rooms/${encodeURIComponent(room.id)}`}>
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
