// The resumable upload protocol (API.md "Tracks", src/tracks/tus): create, then PATCH 1 MiB
// chunks from the server's offset; a dropped connection waits, asks the server (HEAD) how many
// bytes it holds and goes on from there; finish makes the track. No Preact here: the upload
// page renders the state this reports.
import { ApiError, api, apiFetch, isAbortError } from '../../lib/api';
import { newId } from '../../lib/id';
import type { Track, Upload, UploadMeta } from '../../lib/types';
import { findPendingUpload, forgetUpload, rememberUpload } from './pending-uploads';

export const CHUNK_BYTES = 1024 * 1024;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 15_000;

export type UploadPhase = 'starting' | 'uploading' | 'reconnecting' | 'paused' | 'finishing' | 'done' | 'failed' | 'cancelled';

export interface UploadState {
  phase: UploadPhase;
  /** Bytes the server holds. */
  sent: number;
  size: number;
  /** This continues an upload started earlier (another visit, before a reload). */
  resumed: boolean;
  error?: unknown;
}

export function percentOf(s: Pick<UploadState, 'sent' | 'size'>): number {
  return s.size > 0 ? Math.floor((s.sent * 100) / s.size) : 0;
}

/** The server's offset for an upload (HEAD): how many bytes it holds. */
export async function serverOffset(id: string, signal?: AbortSignal): Promise<number> {
  const res = await apiFetch('HEAD', `/uploads/${encodeURIComponent(id)}`, signal ? { signal } : {});
  const offset = Number(res.headers.get('Upload-Offset'));
  if (!Number.isFinite(offset) || offset < 0) throw new Error('the server did not say how many bytes it holds');
  return offset;
}

/** Abandon an upload on the server (its bytes go, its quota comes back) and here. */
export async function discardUpload(id: string): Promise<void> {
  forgetUpload(id);
  try {
    await api('DELETE', `/uploads/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 404 || e.status === 410))) throw e;
  }
}

/** Failures worth waiting out: the network, or a server that is briefly unable. */
function isTransient(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500);
}

/** Refusals that make these bytes useless: the upload is dropped on the server too. */
function isFatalForBytes(e: unknown): boolean {
  return (
    e instanceof ApiError &&
    ['unsupported_audio', 'upload_too_large', 'quota_exceeded', 'checksum_mismatch', 'upload_expired'].includes(e.code)
  );
}

export class ResumableUpload {
  state: UploadState;
  private id: string | null = null;
  private needsOffset = false;
  private failures = 0;
  private paused = false;
  private stopped = false;
  private controller: AbortController | null = null;
  private wake: (() => void) | null = null;
  /** One key for every attempt at finishing: a retry replays the first answer. */
  private readonly finishKey = newId();

  constructor(
    private readonly file: File,
    private readonly userId: string,
    private readonly onChange: (state: UploadState) => void,
  ) {
    this.state = { phase: 'starting', sent: 0, size: file.size, resumed: false };
  }

  /** Upload every byte and make the track; null when cancelled or disposed first. */
  async run(meta: UploadMeta): Promise<Track | null> {
    try {
      await this.open(meta);
      for (;;) {
        if (!(await this.sendAll())) return null;
        this.set({ phase: 'finishing' });
        try {
          const track = await this.finish(meta);
          if (!track) return null;
          forgetUpload(this.id!);
          this.set({ phase: 'done' });
          return track;
        } catch (e) {
          // The server has fewer bytes than we thought (a chunk cut off late): send the rest.
          if (e instanceof ApiError && e.code === 'upload_incomplete') {
            this.needsOffset = true;
            continue;
          }
          throw e;
        }
      }
    } catch (e) {
      if (this.stopped) return null;
      if (this.id && isFatalForBytes(e)) void discardUpload(this.id).catch(() => undefined);
      this.set({ phase: 'failed', error: e });
      throw e;
    }
  }

  pause(): void {
    if (this.stopped || this.paused || this.state.phase === 'finishing') return;
    this.paused = true;
    this.controller?.abort();
    this.set({ phase: 'paused' });
  }

  resume(): void {
    if (this.stopped || !this.paused) return;
    this.paused = false;
    this.set({ phase: 'uploading' });
    this.wake?.();
  }

  /** Stop and abandon the upload on the server. */
  async cancel(): Promise<void> {
    this.halt();
    this.set({ phase: 'cancelled' });
    if (this.id) await discardUpload(this.id);
  }

  /** Stop without abandoning: the upload can be resumed later (the page was left). */
  dispose(): void {
    this.halt();
  }

  private halt(): void {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  private set(patch: Partial<UploadState>): void {
    this.state = { ...this.state, ...patch };
    if (!this.stopped || patch.phase === 'cancelled') this.onChange(this.state);
  }

  /** Continue this file's earlier upload when the server still has it, else start one. */
  private async open(meta: UploadMeta): Promise<void> {
    const earlier = findPendingUpload(this.userId, this.file);
    if (earlier) {
      try {
        const offset = await serverOffset(earlier.id);
        this.id = earlier.id;
        rememberUpload({ ...earlier, meta });
        this.set({ sent: offset, resumed: true, phase: 'uploading' });
        return;
      } catch (e) {
        if (!(e instanceof ApiError && (e.status === 404 || e.status === 410))) throw e;
        forgetUpload(earlier.id);
      }
    }
    const created = await api<Upload>('POST', '/uploads', { size: this.file.size, filename: this.file.name });
    this.id = created.id;
    rememberUpload({
      id: created.id,
      userId: this.userId,
      filename: this.file.name,
      size: this.file.size,
      lastModified: this.file.lastModified,
      expiresAt: created.expires_at,
      meta,
    });
    this.set({ sent: created.offset, phase: 'uploading' });
  }

  /** Every byte on the server, riding out dropped connections; false when stopped. */
  private async sendAll(): Promise<boolean> {
    for (;;) {
      while (this.paused && !this.stopped) await new Promise<void>((r) => (this.wake = r));
      if (this.stopped) return false;
      try {
        if (this.needsOffset) {
          this.controller = new AbortController();
          const offset = await serverOffset(this.id!, this.controller.signal);
          this.needsOffset = false;
          this.set({ sent: offset });
        }
        if (this.state.sent >= this.file.size) return true;
        await this.sendChunk();
        this.failures = 0;
        if (this.state.phase === 'reconnecting') this.set({ phase: 'uploading' });
      } catch (e) {
        if (this.stopped) return false;
        // Paused mid-chunk: the server keeps what arrived, so ask it where to go on from.
        if (isAbortError(e) || (e instanceof ApiError && e.code === 'offset_mismatch')) {
          this.needsOffset = true;
          continue;
        }
        if (!isTransient(e)) throw e;
        this.needsOffset = true;
        this.failures++;
        this.set({ phase: 'reconnecting' });
        await this.sleep(this.retryDelay(e));
      }
    }
  }

  private async sendChunk(): Promise<void> {
    const start = this.state.sent;
    const end = Math.min(start + CHUNK_BYTES, this.file.size);
    this.controller = new AbortController();
    const res = await apiFetch('PATCH', `/uploads/${encodeURIComponent(this.id!)}`, {
      body: this.file.slice(start, end),
      headers: {
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(start),
        'Tus-Resumable': '1.0.0',
      },
      signal: this.controller.signal,
    });
    const next = Number(res.headers.get('Upload-Offset') ?? end);
    this.set({ sent: Number.isFinite(next) ? next : end });
  }

  private async finish(meta: UploadMeta): Promise<Track | null> {
    for (;;) {
      try {
        return await api<Track>('POST', `/uploads/${encodeURIComponent(this.id!)}/finish`, meta, {
          idempotencyKey: this.finishKey,
        });
      } catch (e) {
        if (this.stopped) return null;
        const busy = e instanceof ApiError && e.code === 'idempotency_in_progress';
        if (!busy && !isTransient(e)) throw e;
        this.failures++;
        this.set({ phase: 'reconnecting' });
        await this.sleep(this.retryDelay(e));
        if (this.stopped) return null;
        this.set({ phase: 'finishing' });
      }
    }
  }

  private retryDelay(e: unknown): number {
    if (e instanceof ApiError && e.retryAfter) return e.retryAfter * 1000;
    return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, this.failures - 1));
  }

  /** Wait `ms`, or less: the browser comes back online, or pause/resume/cancel is pressed. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener('online', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener('online', done);
      this.wake = done;
    });
  }
}
