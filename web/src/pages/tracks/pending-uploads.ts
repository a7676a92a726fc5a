// Unfinished resumable uploads, remembered in localStorage so that after a reload (or a
// crash) choosing the same file again continues where the server's bytes end.

import type { UploadMeta } from '../../lib/types';

const KEY = 'veza.uploads';

export interface PendingUpload {
  /** The server's upload id. */
  id: string;
  userId: string;
  filename: string;
  size: number;
  /** File.lastModified: with name and size, how we recognise the same file again. */
  lastModified: number;
  expiresAt: string;
  /** What the form said (title, tags, visibility), to fill it in again on resuming. */
  meta?: UploadMeta;
}

function readAll(): PendingUpload[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? '[]') as PendingUpload[];
    return Array.isArray(list) ? list.filter((u) => Date.parse(u.expiresAt) > Date.now()) : [];
  } catch {
    return [];
  }
}

function writeAll(list: PendingUpload[]): void {
  try {
    if (list.length) localStorage.setItem(KEY, JSON.stringify(list));
    else localStorage.removeItem(KEY);
  } catch {
    // Storage full or disabled: the upload still works, it just cannot resume after a reload.
  }
}

export function pendingUploads(userId: string): PendingUpload[] {
  return readAll().filter((u) => u.userId === userId);
}

export function findPendingUpload(userId: string, file: File): PendingUpload | undefined {
  return pendingUploads(userId).find(
    (u) => u.filename === file.name && u.size === file.size && u.lastModified === file.lastModified,
  );
}

export function rememberUpload(upload: PendingUpload): void {
  writeAll([...readAll().filter((u) => u.id !== upload.id), upload]);
}

export function forgetUpload(id: string): void {
  writeAll(readAll().filter((u) => u.id !== id));
}
