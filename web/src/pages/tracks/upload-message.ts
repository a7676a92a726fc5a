// What the node's upload refusals mean, in words a musician understands.
import { ApiError, humanMessage } from '../../lib/api';

const FORMATS = 'MP3, FLAC, Ogg Vorbis, Opus, WAV or M4A';

export function uploadMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return humanMessage(err);
  switch (err.code) {
    case 'unsupported_audio':
      return `This file isn't audio Veza can play. Choose an ${FORMATS} file.`;
    case 'unsupported_media_type':
      return `This file type isn't accepted. Choose an ${FORMATS} file.`;
    case 'upload_too_large':
    case 'payload_too_large': {
      const limit = /(\d{4,})/.exec(err.detail)?.[1];
      return limit
        ? `This file is too large: tracks can be at most ${formatBytes(Number(limit))}.`
        : 'This file is too large to upload.';
    }
    case 'quota_exceeded':
      return 'This upload would go past your storage space. Delete some of your tracks, then try again.';
    case 'upload_expired':
      return 'This upload waited too long and expired. Start it again.';
    case 'checksum_mismatch':
      return 'The file changed while it was being uploaded. Start again.';
    default:
      return humanMessage(err);
  }
}

/** 209715200 -> "200 MiB" */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}
