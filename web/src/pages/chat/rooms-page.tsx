import { useSession } from '../../lib/hooks';
import { loginHref } from '../../lib/router';
import { CreateRoomForm } from './create-room-form';
import { DiscoverRooms } from './discover-rooms';
import { YourRooms } from './your-rooms';
import './chat.css';

/** /rooms — the caller's rooms and conversations, public rooms to discover, a new room. */
export function RoomsPage() {
  const me = useSession();
  return (
    <section class="rooms-page">
      <h1>Chat</h1>
      {me ? (
        <div class="rooms-layout">
          <div class="rooms-column">
            <YourRooms me={me} />
          </div>
          <div class="rooms-column">
            <CreateRoomForm />
          </div>
        </div>
      ) : (
        <p class="lead">
          <a href={loginHref()}>Log in</a> to join rooms, create your own and message people.
        </p>
      )}
      <DiscoverRooms me={me} />
    </section>
  );
}
