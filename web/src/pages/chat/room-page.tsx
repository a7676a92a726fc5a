import { useEffect, useState } from 'preact/hooks';
import { Loading, NotFound } from '../../components/status';
import { ApiError, api, humanMessage, isAbortError } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import type { Room } from '../../lib/types';
import type { PageProps } from '../../routes';
import { useSocialToasts } from '../users/social-toasts';
import { RoomView } from './room-view';
import './chat.css';

/** /rooms/:id — one room, live. */
export function RoomPage({ params }: PageProps) {
  const id = params.id ?? '';
  const me = useSession();
  const [room, setRoom] = useState<Room | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useSocialToasts();

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api<Room>('GET', `/rooms/${encodeURIComponent(id)}`, undefined, { signal: ctrl.signal }).then(setRoom, (e) => {
      if (!isAbortError(e)) setError(e);
    });
    return () => ctrl.abort();
  }, [id, me?.id, attempt]);

  if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return <NotFound />;
  if (error) {
    return (
      <section class="status-page">
        <h1>This room could not be loaded</h1>
        <p role="alert">{humanMessage(error)}</p>
        <p>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </p>
      </section>
    );
  }
  if (!room) return <Loading label="Loading the room…" />;
  return <RoomView key={room.id} room={room} me={me} onRoomChange={setRoom} />;
}
