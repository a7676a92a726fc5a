import { formatDateTime } from '../../lib/format';
import type { HistoryEntry } from '../../lib/types';
import { TrackList } from '../tracks/track-list';
import { useTrackPages } from '../tracks/use-tracks';

export function HistoryTab() {
  const paged = useTrackPages<HistoryEntry>('/users/me/history');
  return (
    <>
      <h2>History</h2>
      <p class="hint">A play counts after 30 seconds of listening.</p>
      <TrackList
        paged={paged}
        trackOf={(e) => e.track}
        keyOf={(e) => `${e.track.id}@${e.played_at}`}
        noteOf={(e) => `Played ${formatDateTime(e.played_at)}`}
        label="Recently played"
        empty={
          <p>
            Nothing played yet. <a href="/tracks">Browse tracks</a>
          </p>
        }
      />
    </>
  );
}
