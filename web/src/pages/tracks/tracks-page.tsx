import type { TargetedSubmitEvent } from 'preact';
import { useSession } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import type { Track } from '../../lib/types';
import type { PageProps } from '../../routes';
import { TrackList } from './track-list';
import { useTrackPages } from './use-tracks';
import './tracks.css';

/** Every track I may see, searchable by words and filtered by tag. */
export function TracksPage({ query }: PageProps) {
  const user = useSession();
  const q = query.get('q')?.trim() ?? '';
  const tag = query.get('tag')?.trim() ?? '';
  const paged = useTrackPages<Track>('/tracks', { q: q || undefined, tag: tag || undefined });

  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    navigate(tracksHref(String(data.get('q') ?? '').trim(), String(data.get('tag') ?? '').trim()), { replace: true });
  }

  const filtered = !!(q || tag);
  return (
    <section class="tracks-page">
      <div class="page-head">
        <h1>Tracks</h1>
        {user && (
          <a class="button" href="/tracks/upload">
            Upload a track
          </a>
        )}
      </div>
      {/* Keyed by the URL: the back button puts the fields back as they were. */}
      <form key={`${q}\n${tag}`} class="track-filters" role="search" aria-label="Tracks" onSubmit={onSubmit}>
        <div class="field">
          <label for="tracks-q">Search tracks</label>
          <input id="tracks-q" name="q" type="search" defaultValue={q} placeholder="Title, artist, album…" maxLength={200} />
        </div>
        <div class="field">
          <label for="tracks-tag">Tag</label>
          <input id="tracks-tag" name="tag" defaultValue={tag} maxLength={32} />
        </div>
        <button type="submit">Search</button>
      </form>
      {filtered && (
        <p class="filter-summary">
          {q && (
            <span>
              Words: <strong>{q}</strong>
            </span>
          )}
          {tag && (
            <span>
              Tag: <strong>{tag}</strong>
            </span>
          )}
          <a href="/tracks">Clear filters</a>
        </p>
      )}
      <TrackList
        paged={paged}
        trackOf={(t) => t}
        label="Tracks"
        empty={
          filtered ? (
            <p>No track matches. Try other words or another tag.</p>
          ) : (
            <p>
              No tracks yet. {user ? <a href="/tracks/upload">Upload the first one.</a> : <a href="/register">Join Veza to upload one.</a>}
            </p>
          )
        }
      />
    </section>
  );
}

export function tracksHref(q: string, tag: string): string {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (tag) params.set('tag', tag);
  const s = params.toString();
  return s ? `/tracks?${s}` : '/tracks';
}
