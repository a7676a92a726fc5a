import { useEffect, useRef, useState } from 'preact/hooks';
import { Loading, PageError } from '../../components/status';
import { ApiError } from '../../lib/api';
import { formatDuration } from '../../lib/format';
import { useFrame, useSession, useTitle } from '../../lib/hooks';
import { trackHref, userHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast, toastError } from '../../lib/toast';
import type { Playlist } from '../../lib/types';
import type { PageProps } from '../../routes';
import { trackCount } from '../tracks/track-count';
import { Player } from '../tracks/player';
import {
  deletePlaylist,
  getPlaylist,
  removeFromPlaylist,
  reorderPlaylist,
  updatePlaylist,
} from './playlist-api';
import { PlaylistSettings } from './playlist-settings';
import { PlaylistTracks } from './playlist-tracks';
import '../tracks/tracks.css';
import './playlists.css';

const CHANGED = 'This playlist was changed somewhere else. Here is its latest version: please try again.';

export function PlaylistPage({ params }: PageProps) {
  const user = useSession();
  const id = params.id!;
  const [playlist, setPlaylist] = useState<Playlist | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [nowPlaying, setNowPlaying] = useState<string | null>(null);
  const [autoPlay, setAutoPlay] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const version = useRef(0);
  const shown = useRef(false);
  useTitle(playlist?.name);

  function show(p: Playlist) {
    shown.current = p.id === id;
    version.current = p.version;
    setPlaylist(p);
  }

  async function load(signal?: AbortSignal) {
    try {
      show(await getPlaylist(id, signal));
      setError(null);
    } catch (e) {
      if (signal?.aborted) return;
      // A refresh that fails keeps the playlist on screen (it may be a moment offline).
      if (shown.current) toastError(e);
      else setError(e);
    }
  }

  useEffect(() => {
    const ctrl = new AbortController();
    setPlaylist(null);
    shown.current = false;
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [id, user?.id]);

  // Changed in another tab or device: show the new version.
  useFrame('event', (frame) => {
    if (frame.kind !== 'playlist.updated' || frame.data.id !== id) return;
    const changed = frame.data.version;
    if (frame.data.deleted) setGone(true);
    else if (typeof changed !== 'number' || changed > version.current) void load();
  });

  /** Make a change against the version shown; when someone else changed it first, refetch and say so. */
  async function change(action: (p: Playlist) => Promise<Playlist>, done?: (p: Playlist) => string): Promise<boolean> {
    if (!playlist) return false;
    setBusy(true);
    try {
      const next = await action(playlist);
      show(next);
      if (done) setAnnouncement(done(next));
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'playlist_changed' || e.status === 412)) {
        toast(CHANGED, 'info');
      } else {
        toastError(e);
      }
      setPlaylist(playlist); // undo what was shown ahead of the answer
      await load();
      return false;
    } finally {
      setBusy(false);
    }
  }

  if (gone) {
    return (
      <section class="status-page">
        <h1>Playlist deleted</h1>
        <p>This playlist was just deleted.</p>
        <p>
          <a href="/library?tab=playlists">Your playlists</a>
        </p>
      </section>
    );
  }
  if (error) {
    return (
      <PageError
        error={error}
        title="This playlist could not be loaded"
        missing={{ title: 'Playlist not found', text: 'It was deleted, or it is private.' }}
        onRetry={() => void load()}
        back={{ href: '/library?tab=playlists', label: 'Your playlists' }}
      />
    );
  }
  if (!playlist) return <Loading />;

  const mine = user?.id === playlist.owner.id;
  const entries = playlist.tracks;
  const current = entries.find((e) => e.track.id === nowPlaying)?.track ?? null;
  const total = entries.reduce((ms, e) => ms + e.track.duration_ms, 0);

  function play(trackId: string) {
    setNowPlaying(trackId);
    setAutoPlay(true);
  }

  function next() {
    const i = entries.findIndex((e) => e.track.id === nowPlaying);
    const following = entries[i + 1];
    if (following) play(following.track.id);
  }

  function move(from: number, to: number) {
    if (to < 0 || to >= entries.length || from === to) return;
    const ids = entries.map((e) => e.track.id);
    const [moved] = ids.splice(from, 1);
    ids.splice(to, 0, moved!);
    const title = entries[from]!.track.title;
    // Shown at once; the server's answer (or the latest version, on a conflict) replaces it.
    const byId = new Map(entries.map((e) => [e.track.id, e]));
    setPlaylist({ ...playlist!, tracks: ids.map((x) => byId.get(x)!) });
    void change(
      (p) => reorderPlaylist(p, ids),
      () => `${title} moved to position ${to + 1} of ${ids.length}.`,
    );
  }

  function remove(trackId: string) {
    const title = entries.find((e) => e.track.id === trackId)?.track.title ?? 'The track';
    void change(
      (p) => removeFromPlaylist(p, trackId),
      () => `${title} was removed from the playlist.`,
    ).then((ok) => {
      if (ok) toast(`Removed “${title}” from ${playlist!.name}.`, 'success');
      if (ok && nowPlaying === trackId) setNowPlaying(null);
    });
  }

  async function rename(name: string) {
    try {
      show(await updatePlaylist(playlist!, { name }));
      toast('The playlist is renamed.', 'success');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 412)) throw e; // shown by the form
      toast(CHANGED, 'info');
      await load();
    }
  }

  function setPublic(value: boolean) {
    void change(
      (p) => updatePlaylist(p, { public: value }),
      (p) => (p.public ? 'The playlist is now public.' : 'The playlist is now private.'),
    );
  }

  async function removePlaylist() {
    if (!window.confirm(`Delete the playlist “${playlist!.name}”? Its tracks stay on Veza.`)) return;
    setBusy(true);
    try {
      await deletePlaylist(playlist!);
      toast(`The playlist “${playlist!.name}” is deleted.`, 'success');
      navigate('/library?tab=playlists', { replace: true });
    } catch (e) {
      toastError(e);
      setBusy(false);
    }
  }

  return (
    <article class="playlist-page">
      <header class="page-head playlist-head">
        <div>
          <h1>{playlist.name}</h1>
          <p class="muted">
            {playlist.public ? 'Public' : 'Private'} playlist by{' '}
            <a href={userHref(playlist.owner.username)}>{playlist.owner.username}</a> ·{' '}
            {trackCount(entries.length)}
            {total > 0 && ` · ${formatDuration(total)}`}
          </p>
        </div>
        {entries.length > 0 && !current && (
          <button type="button" onClick={() => play(entries[0]!.track.id)}>
            Play all
          </button>
        )}
      </header>

      {current && (
        <section class="now-playing" aria-labelledby="now-playing-title">
          <h2 id="now-playing-title">
            Now playing: <a href={trackHref(current.id)}>{current.title}</a>
          </h2>
          <Player key={current.id} track={current} autoPlay={autoPlay} onEnded={next} />
        </section>
      )}

      <section aria-labelledby="playlist-tracks-title">
        <h2 id="playlist-tracks-title">Tracks</h2>
        <PlaylistTracks
          playlist={playlist}
          editable={mine}
          busy={busy}
          nowPlaying={nowPlaying}
          onPlay={play}
          onMove={move}
          onRemove={remove}
        />
      </section>
      <p class="visually-hidden" role="status">
        {announcement}
      </p>

      {mine && (
        <PlaylistSettings playlist={playlist} busy={busy} onRename={rename} onPublic={setPublic} onDelete={removePlaylist} />
      )}
    </article>
  );
}
