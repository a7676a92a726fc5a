import { useEffect, useState } from 'preact/hooks';
import { API_BASE, apiBlob } from '../../lib/api';
import type { Track } from '../../lib/types';

export type CoverSize = 64 | 256 | 1024;

interface Props {
  track: Pick<Track, 'id' | 'has_cover' | 'visibility' | 'title'>;
  size: CoverSize;
  /** Empty when the title is shown next to it (the image then adds nothing). */
  alt?: string;
}

/**
 * A track's embedded cover art, or a plain placeholder. A public cover is a plain <img>; a
 * private one needs the bearer token, which <img> cannot send: it is fetched as a blob.
 */
export function Cover({ track, size, alt = '' }: Props) {
  const path = `/tracks/${encodeURIComponent(track.id)}/cover?size=${size}`;
  const isPrivate = track.visibility === 'private';
  const [blobUrl, setBlobUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    setFailed(false);
    if (!track.has_cover || !isPrivate) return;
    let url: string | null = null;
    const ctrl = new AbortController();
    apiBlob(path, { signal: ctrl.signal }).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        setBlobUrl(url);
      },
      // A missing cover is no error worth a message: the placeholder says enough.
      () => setFailed(true),
    );
    return () => {
      ctrl.abort();
      if (url) URL.revokeObjectURL(url);
      setBlobUrl(null);
    };
  }, [path, track.has_cover, isPrivate]);

  const src = isPrivate ? blobUrl : API_BASE + path;
  if (!track.has_cover || failed || !src) {
    return (
      <span class={`cover cover-${size} cover-empty`} aria-hidden="true">
        <svg viewBox="0 0 24 24" width="40%" height="40%" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M9 17.5a2.5 2.5 0 1 1-2-2.45V5.5l11-2v10a2.5 2.5 0 1 1-2-2.45V7.2l-7 1.3v9z"
          />
        </svg>
      </span>
    );
  }
  return (
    <img
      class={`cover cover-${size}`}
      src={src}
      alt={alt}
      width={size}
      height={size}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
