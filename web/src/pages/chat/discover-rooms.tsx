import { useEffect, useState } from 'preact/hooks';
import { MoreButton, usePaged } from '../../components/paged';
import { LoadError, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { roomHref } from '../../lib/links';
import { loginHref, navigate } from '../../lib/router';
import { toastError } from '../../lib/toast';
import type { Me, Page, Room } from '../../lib/types';

const DEBOUNCE_MS = 250;
const LIMIT = 20;

/** Public rooms, searchable by name, each one to open or join. */
export function DiscoverRooms({ me }: { me: Me | null }) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [joining, setJoining] = useState<string | null>(null);

  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [q]);

  const paged = usePaged(
    (cursor, signal) => api<Page<Room>>('GET', '/rooms', undefined, { query: { q: query, limit: LIMIT, cursor }, signal }),
    [query, me?.id],
  );
  const rooms = paged.items;

  async function join(room: Room) {
    setJoining(room.id);
    try {
      await api<Room>('POST', `/rooms/${encodeURIComponent(room.id)}/join`);
      navigate(roomHref(room.id));
    } catch (e) {
      toastError(e);
      setJoining(null);
    }
  }

  return (
    <section class="rooms-section" aria-labelledby="discover-title">
      <h2 id="discover-title">Discover public rooms</h2>
      <form class="room-search" role="search" aria-label="Public rooms" onSubmit={(e) => e.preventDefault()}>
        <label for="room-search">Search rooms by name</label>
        <input id="room-search" type="search" value={q} maxLength={80} onInput={(e) => setQ(e.currentTarget.value)} />
      </form>
      {paged.error ? (
        <LoadError error={paged.error} onRetry={paged.reload} />
      ) : rooms === null ? (
        <Loading label="Looking for rooms…" />
      ) : rooms.length === 0 ? (
        <p class="muted">{query ? `No public room matches “${query}”.` : 'There is no public room yet.'}</p>
      ) : (
        <ul class="room-list discover" aria-labelledby="discover-title">
          {rooms.map((r) => (
            <li key={r.id} class="panel room-item">
              <div>
                <a class="room-link" href={roomHref(r.id)}>
                  <span class="room-name">{r.name}</span>
                </a>
                {r.topic && <p class="room-topic muted">{r.topic}</p>}
                <p class="room-facts muted">
                  {r.member_count} member{r.member_count === 1 ? '' : 's'}
                </p>
              </div>
              {r.role ? (
                <span class="badge">Joined</span>
              ) : me ? (
                <button type="button" class="secondary" aria-label={`Join ${r.name}`} disabled={joining !== null} onClick={() => join(r)}>
                  {joining === r.id ? 'Joining…' : 'Join'}
                </button>
              ) : (
                <a class="button secondary" aria-label={`Log in to join ${r.name}`} href={loginHref({ path: `/rooms/${r.id}`, search: '' })}>
                  Log in to join
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      <MoreButton paged={paged} label="More rooms" />
    </section>
  );
}
