import { useEffect, useRef, useState } from 'preact/hooks';
import { API_BASE, ApiError, api } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { toast, toastError } from '../../lib/toast';
import type { StreamUrl, Track, Waveform as WaveformData } from '../../lib/types';
import { clock } from './clock';
import { Waveform } from './waveform';

/** A signed stream link lives 15 minutes; a failure after that asks for a new one, twice at most. */
const MAX_RENEWALS = 2;

interface Props {
  track: Track;
  /** Start playing as soon as the audio can (the next track of a playlist). */
  autoPlay?: boolean;
  onEnded?: () => void;
}

/**
 * The audio player: <audio> with our own controls (Play/Pause, the time, the waveform seek
 * bar). <audio> cannot send Authorization, so a logged-in listener plays a signed link.
 */
export function Player({ track, autoPlay = false, onEnded }: Props) {
  const user = useSession();
  const audio = useRef<HTMLAudioElement>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [peaks, setPeaks] = useState<number[] | null>(null);
  const [playing, setPlaying] = useState(false);
  const [current, setCurrent] = useState(0);
  const [duration, setDuration] = useState(track.duration_ms / 1000);
  /** A position asked for before the audio knew its length: applied once it does. */
  const pendingSeek = useRef<number | null>(null);
  const playWhenReady = useRef(autoPlay);
  const renewals = useRef(0);
  const loggedIn = !!user;

  async function streamUrl(): Promise<string> {
    const path = `/tracks/${encodeURIComponent(track.id)}`;
    if (!loggedIn) return `${API_BASE}${path}/stream`;
    return (await api<StreamUrl>('GET', `${path}/stream-url`)).url;
  }

  useEffect(() => {
    let live = true;
    setSrc(null);
    setCurrent(0);
    setDuration(track.duration_ms / 1000);
    renewals.current = 0;
    streamUrl().then(
      (url) => live && setSrc(url),
      (e) => live && toastError(e),
    );
    return () => {
      live = false;
    };
  }, [track.id, loggedIn]);

  useEffect(() => {
    const ctrl = new AbortController();
    setPeaks(null);
    api<WaveformData>('GET', `/tracks/${encodeURIComponent(track.id)}/waveform`, undefined, { signal: ctrl.signal }).then(
      (w) => setPeaks(w.peaks),
      (e) => {
        if (ctrl.signal.aborted) return;
        // No peaks for this track: the seek bar is drawn flat, which is no failure.
        if (!(e instanceof ApiError && e.status === 404)) toastError(e);
        setPeaks([]);
      },
    );
    return () => ctrl.abort();
  }, [track.id]);

  // While playing, follow the audio frame by frame (timeupdate comes only 4 times a second).
  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    const tick = () => {
      if (audio.current) setCurrent(audio.current.currentTime);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing]);

  function play() {
    audio.current?.play().catch((e: unknown) => {
      if (e instanceof DOMException && e.name === 'NotAllowedError') {
        toast('Your browser blocked playback. Press Play to start it.', 'info');
      } else if (!(e instanceof DOMException && e.name === 'AbortError')) {
        toastError(e);
      }
    });
  }

  function toggle() {
    const a = audio.current;
    if (!a || !src) return;
    if (a.paused) play();
    else a.pause();
  }

  function seek(seconds: number) {
    setCurrent(seconds);
    const a = audio.current;
    if (a && a.readyState >= HTMLMediaElement.HAVE_METADATA) a.currentTime = seconds;
    else pendingSeek.current = seconds;
  }

  function onLoadedMetadata() {
    const a = audio.current!;
    if (Number.isFinite(a.duration) && a.duration > 0) setDuration(a.duration);
    if (pendingSeek.current !== null) {
      a.currentTime = pendingSeek.current;
      pendingSeek.current = null;
    }
    if (playWhenReady.current) {
      playWhenReady.current = false;
      play();
    }
  }

  function onError() {
    const a = audio.current;
    if (!a?.error) return;
    // Most likely the signed link expired: get a new one and carry on from the same place.
    if (loggedIn && renewals.current < MAX_RENEWALS) {
      renewals.current++;
      pendingSeek.current = a.currentTime || current;
      playWhenReady.current = playing;
      streamUrl().then(setSrc, toastError);
      return;
    }
    setPlaying(false);
    toast("This track can't be played right now. Try again later.", 'error');
  }

  return (
    <div class="panel player" data-testid="player">
      <audio
        ref={audio}
        src={src ?? undefined}
        preload="metadata"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => {
          setPlaying(false);
          onEnded?.();
        }}
        onLoadedMetadata={onLoadedMetadata}
        onTimeUpdate={() => audio.current && setCurrent(audio.current.currentTime)}
        onError={onError}
      />
      <button type="button" class="play-button" disabled={!src} onClick={toggle}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path fill="currentColor" d={playing ? 'M6 5h4v14H6zm8 0h4v14h-4z' : 'M7 4.5v15l13-7.5z'} />
        </svg>
        {playing ? 'Pause' : 'Play'}
      </button>
      <p class="player-time" data-testid="player-time">
        <span>{clock(current)}</span>
        <span aria-hidden="true"> / </span>
        <span class="visually-hidden"> of </span>
        <span>{clock(duration)}</span>
      </p>
      <Waveform peaks={peaks} duration={duration} current={current} onSeek={seek} />
    </div>
  );
}
