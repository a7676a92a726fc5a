import type { TargetedDragEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Empty } from '../../components/status';
import { formatDuration } from '../../lib/format';
import { trackHref } from '../../lib/links';
import type { Playlist } from '../../lib/types';
import { Cover } from '../tracks/cover';

interface Props {
  playlist: Playlist;
  editable: boolean;
  busy: boolean;
  nowPlaying: string | null;
  onPlay: (trackId: string) => void;
  onMove: (from: number, to: number) => void;
  onRemove: (trackId: string) => void;
}

/**
 * The ordered tracks. The owner reorders with the Move up/down buttons (keyboard) or by
 * dragging a row; focus stays on the moved track's button (so a move in flight marks the
 * buttons aria-disabled rather than disabled, which would drop the focus).
 */
export function PlaylistTracks({ playlist, editable, busy, nowPlaying, onPlay, onMove, onRemove }: Props) {
  const list = useRef<HTMLOListElement>(null);
  /** After a move by button: the button to focus once the new order is shown. */
  const refocus = useRef<{ trackId: string; dir: 'up' | 'down' } | null>(null);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const entries = playlist.tracks;

  useEffect(() => {
    const want = refocus.current;
    if (!want || !list.current) return;
    refocus.current = null;
    const row = list.current.querySelector(`[data-track-id="${CSS.escape(want.trackId)}"]`);
    const same = row?.querySelector<HTMLButtonElement>(`[data-move="${want.dir}"]`);
    const other = row?.querySelector<HTMLButtonElement>(`[data-move="${want.dir === 'up' ? 'down' : 'up'}"]`);
    (same && !same.disabled ? same : other)?.focus();
  }, [entries]);

  function move(index: number, dir: 'up' | 'down') {
    refocus.current = { trackId: entries[index]!.track.id, dir };
    onMove(index, dir === 'up' ? index - 1 : index + 1);
  }

  function onDragStart(e: TargetedDragEvent<HTMLLIElement>, index: number) {
    if (!e.dataTransfer) return;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', entries[index]!.track.id);
    setDragFrom(index);
  }

  function onDragOver(e: TargetedDragEvent<HTMLLIElement>, index: number) {
    if (dragFrom === null) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
    if (dropAt !== index) setDropAt(index);
  }

  function onDrop(e: TargetedDragEvent<HTMLLIElement>, index: number) {
    e.preventDefault();
    const from = dragFrom;
    setDragFrom(null);
    setDropAt(null);
    if (from !== null && from !== index) onMove(from, index);
  }

  if (!entries.length) {
    return (
      <Empty>
        <p>
          This playlist is empty. Open a track and choose “Add to playlist”. <a href="/tracks">Browse tracks</a>
        </p>
      </Empty>
    );
  }

  return (
    <>
      {editable && <p class="hint">Drag a track, or use its Move up and Move down buttons, to change the order.</p>}
      <ol class="playlist-tracks" ref={list} aria-label="Tracks in this playlist">
        {entries.map(({ track }, i) => {
          const classes = ['panel', 'playlist-track'];
          if (dragFrom === i) classes.push('dragging');
          if (dropAt === i && dragFrom !== i) classes.push(dragFrom !== null && dragFrom < i ? 'drop-after' : 'drop-before');
          if (nowPlaying === track.id) classes.push('playing');
          return (
            <li
              key={track.id}
              class={classes.join(' ')}
              data-testid="playlist-track"
              data-track-id={track.id}
              draggable={editable && !busy}
              onDragStart={(e) => onDragStart(e, i)}
              onDragOver={(e) => onDragOver(e, i)}
              onDrop={(e) => onDrop(e, i)}
              onDragEnd={() => {
                setDragFrom(null);
                setDropAt(null);
              }}
            >
              <span class="position" aria-hidden="true">
                {i + 1}
              </span>
              <Cover track={track} size={64} />
              <div class="playlist-track-text">
                <a class="track-card-title" href={trackHref(track.id)}>
                  {track.title}
                </a>
                <p class="track-card-artist">
                  {track.artist || track.owner.username}
                  <span aria-hidden="true"> · </span>
                  <span class="visually-hidden">, </span>
                  {formatDuration(track.duration_ms)}
                  {nowPlaying === track.id && <span class="badge">Playing</span>}
                </p>
              </div>
              <div class="row-actions">
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Play ${track.title}`}
                  onClick={() => onPlay(track.id)}
                >
                  Play
                </button>
                {editable && (
                  <>
                    <button
                      type="button"
                      class="secondary icon-button"
                      data-move="up"
                      aria-label={`Move ${track.title} up`}
                      disabled={i === 0}
                      aria-disabled={busy || undefined}
                      onClick={() => !busy && move(i, 'up')}
                    >
                      <span aria-hidden="true">↑</span>
                    </button>
                    <button
                      type="button"
                      class="secondary icon-button"
                      data-move="down"
                      aria-label={`Move ${track.title} down`}
                      disabled={i === entries.length - 1}
                      aria-disabled={busy || undefined}
                      onClick={() => !busy && move(i, 'down')}
                    >
                      <span aria-hidden="true">↓</span>
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove ${track.title} from the playlist`}
                      disabled={busy}
                      onClick={() => onRemove(track.id)}
                    >
                      Remove
                    </button>
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </>
  );
}
