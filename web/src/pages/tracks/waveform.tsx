import type { TargetedKeyboardEvent, TargetedPointerEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { clock } from './clock';

const STEP_S = 5;
const PAGE_S = 30;
const BAR_PX = 2;
const GAP_PX = 1;

interface Props {
  /** `[min, max, …]` pairs in -1..1; empty when the server has none (a flat bar is drawn). */
  peaks: number[] | null;
  /** Seconds. */
  duration: number;
  current: number;
  onSeek: (seconds: number) => void;
}

/**
 * The seek bar: the track's peaks on a canvas, the played part in the accent colour. A slider
 * for assistive technology and the keyboard (arrows 5 s, Page Up/Down 30 s, Home, End); click
 * or drag with a pointer.
 */
export function Waveform({ peaks, duration, current, onSeek }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  /** Where a drag is, in seconds: shown at once, sought when the pointer is released. */
  const [scrub, setScrub] = useState<number | null>(null);
  const [width, setWidth] = useState(0);
  const shown = scrub ?? current;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (canvas.current && width) draw(canvas.current, peaks ?? [], duration > 0 ? shown / duration : 0);
  }, [peaks, shown, duration, width]);

  function secondsAt(clientX: number): number {
    const r = box.current!.getBoundingClientRect();
    return clamp((clientX - r.left) / r.width, 0, 1) * duration;
  }

  function onPointerDown(e: TargetedPointerEvent<HTMLDivElement>) {
    if (e.button !== 0 || !duration) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setScrub(secondsAt(e.clientX));
  }

  function onPointerMove(e: TargetedPointerEvent<HTMLDivElement>) {
    if (scrub !== null) setScrub(secondsAt(e.clientX));
  }

  function onPointerUp(e: TargetedPointerEvent<HTMLDivElement>) {
    if (scrub === null) return;
    setScrub(null);
    onSeek(secondsAt(e.clientX));
  }

  function onKeyDown(e: TargetedKeyboardEvent<HTMLDivElement>) {
    const to = (() => {
      switch (e.key) {
        case 'ArrowLeft':
        case 'ArrowDown':
          return current - STEP_S;
        case 'ArrowRight':
        case 'ArrowUp':
          return current + STEP_S;
        case 'PageDown':
          return current - PAGE_S;
        case 'PageUp':
          return current + PAGE_S;
        case 'Home':
          return 0;
        case 'End':
          return duration;
        default:
          return null;
      }
    })();
    if (to === null || !duration) return;
    e.preventDefault();
    onSeek(clamp(to, 0, duration));
  }

  return (
    <div
      ref={box}
      class={scrub === null ? 'waveform' : 'waveform scrubbing'}
      role="slider"
      tabIndex={0}
      aria-label="Seek"
      aria-valuemin={0}
      aria-valuemax={Math.round(duration)}
      aria-valuenow={Math.round(shown)}
      aria-valuetext={`${clock(shown)} of ${clock(duration)}`}
      data-testid="waveform"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setScrub(null)}
      onKeyDown={onKeyDown}
    >
      <canvas ref={canvas} aria-hidden="true" data-testid="waveform-canvas" data-ready={peaks ? 'true' : 'false'} />
    </div>
  );
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function draw(canvas: HTMLCanvasElement, peaks: number[], progress: number): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (!w || !h) return;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);

  const style = getComputedStyle(canvas);
  const played = style.getPropertyValue('--wave-played').trim() || '#4f3fd0';
  const rest = style.getPropertyValue('--wave-rest').trim() || '#8b8ea3';
  const head = style.getPropertyValue('--wave-head').trim() || '#1a1a23';
  const playedPx = progress * w;
  const points = Math.floor(peaks.length / 2);

  if (!points) {
    // No peaks: a plain bar still shows where we are.
    ctx.fillStyle = rest;
    ctx.fillRect(0, h / 2 - 2, w, 4);
    ctx.fillStyle = played;
    ctx.fillRect(0, h / 2 - 2, playedPx, 4);
  } else {
    // Quiet tracks are scaled up so their shape can be seen.
    let loudest = 0.05;
    for (const p of peaks) loudest = Math.max(loudest, Math.abs(p));
    const scale = 1 / loudest;
    const bars = Math.max(1, Math.floor(w / (BAR_PX + GAP_PX)));
    for (let i = 0; i < bars; i++) {
      const from = Math.floor((i * points) / bars);
      const to = Math.max(from + 1, Math.floor(((i + 1) * points) / bars));
      let lo = 0;
      let hi = 0;
      for (let p = from; p < to && p < points; p++) {
        lo = Math.min(lo, peaks[2 * p]!);
        hi = Math.max(hi, peaks[2 * p + 1]!);
      }
      const top = ((1 - clamp(hi * scale, -1, 1)) * h) / 2;
      const bottom = ((1 - clamp(lo * scale, -1, 1)) * h) / 2;
      const x = i * (BAR_PX + GAP_PX);
      ctx.fillStyle = x < playedPx ? played : rest;
      ctx.fillRect(x, top, BAR_PX, Math.max(1, bottom - top));
    }
  }
  ctx.fillStyle = head;
  ctx.fillRect(Math.min(w - 2, Math.max(0, playedPx - 1)), 0, 2, h);
}
