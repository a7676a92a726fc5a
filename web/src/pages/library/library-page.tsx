import type { TargetedKeyboardEvent } from 'preact';
import { useRef } from 'preact/hooks';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import type { PageProps } from '../../routes';
import { FavoritesTab } from './favorites-tab';
import { HistoryTab } from './history-tab';
import { PlaylistsTab } from './playlists-tab';
import { UploadsTab } from './uploads-tab';
import '../tracks/tracks.css';
import './library.css';

const TABS = [
  { id: 'favourites', label: 'Favourites' },
  { id: 'history', label: 'History' },
  { id: 'playlists', label: 'Playlists' },
  { id: 'uploads', label: 'My uploads' },
] as const;

type TabId = (typeof TABS)[number]['id'];

/** Favourites, listening history, my playlists and my uploads, as tabs (?tab= keeps the choice). */
export function LibraryPage({ query }: PageProps) {
  const user = useSession();
  const tabs = useRef<HTMLDivElement>(null);
  const selected: TabId = TABS.find((t) => t.id === query.get('tab'))?.id ?? 'favourites';

  function select(id: TabId, focus = false) {
    navigate(`/library?tab=${id}`, { replace: true });
    if (focus) tabs.current?.querySelector<HTMLButtonElement>(`#tab-${id}`)?.focus();
  }

  // Arrow keys move between tabs (and show them), as in every tab list.
  function onKeyDown(e: TargetedKeyboardEvent<HTMLDivElement>) {
    const i = TABS.findIndex((t) => t.id === selected);
    const to =
      e.key === 'ArrowRight' ? (i + 1) % TABS.length
      : e.key === 'ArrowLeft' ? (i - 1 + TABS.length) % TABS.length
      : e.key === 'Home' ? 0
      : e.key === 'End' ? TABS.length - 1
      : null;
    if (to === null) return;
    e.preventDefault();
    select(TABS[to]!.id, true);
  }

  if (!user) return null;
  return (
    <section class="library-page">
      <h1>Library</h1>
      <div class="tabs" role="tablist" aria-label="Library" ref={tabs} onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            class="tab"
            aria-selected={t.id === selected}
            aria-controls={t.id === selected ? `panel-${t.id}` : undefined}
            tabIndex={t.id === selected ? 0 : -1}
            onClick={() => select(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`} tabIndex={0}>
        {selected === 'favourites' && <FavoritesTab />}
        {selected === 'history' && <HistoryTab />}
        {selected === 'playlists' && <PlaylistsTab />}
        {selected === 'uploads' && <UploadsTab userId={user.id} />}
      </div>
    </section>
  );
}
