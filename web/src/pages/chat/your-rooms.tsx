import { LoadError, Loading } from '../../components/status';
import type { Me } from '../../lib/types';
import { RoomLink } from './room-link';
import { useMyRooms } from './use-my-rooms';

/** The rooms the caller belongs to and their direct messages, with live unread counts. */
export function YourRooms({ me }: { me: Me }) {
  const { rooms, error, reload } = useMyRooms(me);

  if (error) {
    return (
      <section class="rooms-section" aria-labelledby="your-rooms-title">
        <h2 id="your-rooms-title">Your rooms</h2>
        <LoadError error={error} onRetry={reload} />
      </section>
    );
  }
  const groups = rooms ? rooms.filter((r) => !r.is_direct) : null;
  const direct = rooms ? rooms.filter((r) => r.is_direct) : null;

  return (
    <>
      <section class="rooms-section" aria-labelledby="your-rooms-title">
        <h2 id="your-rooms-title">Your rooms</h2>
        {groups === null ? (
          <Loading label="Loading your rooms…" />
        ) : groups.length === 0 ? (
          <p class="muted">You are in no room yet: join one below, or create your own.</p>
        ) : (
          <ul class="room-list" aria-labelledby="your-rooms-title">
            {groups.map((r) => (
              <RoomLink key={r.id} room={r} />
            ))}
          </ul>
        )}
      </section>
      <section class="rooms-section" aria-labelledby="direct-title">
        <h2 id="direct-title">Direct messages</h2>
        {direct === null ? (
          <Loading label="Loading your conversations…" />
        ) : direct.length === 0 ? (
          <p class="muted">No conversations yet. Open someone's profile and choose “Message”.</p>
        ) : (
          <ul class="room-list" aria-labelledby="direct-title">
            {direct.map((r) => (
              <RoomLink key={r.id} room={r} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
