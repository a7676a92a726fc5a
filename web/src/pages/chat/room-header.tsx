import type { Room } from '../../lib/types';
import type { Online } from './use-room-live';

/** The room's name, topic and how many are here. */
export function RoomHeader({ room, name, online }: { room: Room; name: string; online: Online | null }) {
  const kind = room.is_direct ? 'Direct message' : room.visibility === 'private' ? 'Private room' : 'Public room';
  return (
    <header class="room-header">
      <p class="breadcrumb">
        <a href="/rooms">All rooms</a>
      </p>
      <h1>{name}</h1>
      {room.topic && <p class="room-topic">{room.topic}</p>}
      <p class="room-facts muted">
        <span>{kind}</span>
        {!room.is_direct && (
          <span>
            {room.member_count} member{room.member_count === 1 ? '' : 's'}
          </span>
        )}
        {online && <span data-testid="online-count">{online.count} online</span>}
      </p>
    </header>
  );
}
