// A direct room is named "direct" by the API; people know it by the other member, which the
// room view carries as `peer`.
import type { Room } from '../../lib/types';

/** The name to show for a room: its own, or for a DM the other person's username. */
export function roomName(room: Room): string {
  if (!room.is_direct) return room.name;
  return room.peer?.username ?? 'Direct message';
}
