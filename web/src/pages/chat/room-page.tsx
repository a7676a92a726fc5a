import { NotFound, Loading, PageError } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { ApiError, api } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import type { Room } from '../../lib/types';
import type { PageProps } from '../../routes';
import { RoomView } from './room-view';
import './chat.css';

/** /rooms/:id — one room, live. */
export function RoomPage({ params }: PageProps) {
  const id = params.id ?? '';
  const me = useSession();
  const room = useLoad((signal) => api<Room>('GET', `/rooms/${encodeURIComponent(id)}`, undefined, { signal }), [id, me?.id]);

  // Not a room id at all is as good as no such room.
  if (room.error instanceof ApiError && room.error.status === 400) return <NotFound />;
  if (room.error) return <PageError error={room.error} title="This room could not be loaded" onRetry={room.reload} />;
  if (!room.data) return <Loading label="Loading the room…" />;
  return <RoomView key={room.data.id} room={room.data} me={me} onRoomChange={room.setData} />;
}
