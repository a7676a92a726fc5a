// Playlist calls. Every change answers the whole playlist with its new `version`; changes
// are made against the version shown (If-Match), so two editors cannot undo each other.
import { api } from '../../lib/api';
import type { NewPlaylist, Playlist } from '../../lib/types';

const base = (id: string) => `/playlists/${encodeURIComponent(id)}`;

/** The playlist's ETag is its version in quotes. */
function ifMatch(p: Playlist): Record<string, string> {
  return { 'If-Match': `"${p.version}"` };
}

export function getPlaylist(id: string, signal?: AbortSignal): Promise<Playlist> {
  return api<Playlist>('GET', base(id), undefined, signal ? { signal } : {});
}

export function createPlaylist(body: NewPlaylist): Promise<Playlist> {
  return api<Playlist>('POST', '/playlists', body);
}

export function addToPlaylist(p: Pick<Playlist, 'id'>, trackId: string): Promise<Playlist> {
  return api<Playlist>('POST', `${base(p.id)}/tracks`, { track_id: trackId });
}

export function removeFromPlaylist(p: Playlist, trackId: string): Promise<Playlist> {
  return api<Playlist>('DELETE', `${base(p.id)}/tracks/${encodeURIComponent(trackId)}`, undefined, { headers: ifMatch(p) });
}

export function reorderPlaylist(p: Playlist, trackIds: string[]): Promise<Playlist> {
  return api<Playlist>('PUT', `${base(p.id)}/order`, { track_ids: trackIds }, { headers: ifMatch(p) });
}

export function updatePlaylist(p: Playlist, patch: { name?: string; public?: boolean }): Promise<Playlist> {
  return api<Playlist>('PATCH', base(p.id), patch, { headers: ifMatch(p) });
}

export function deletePlaylist(p: Playlist): Promise<void> {
  return api('DELETE', base(p.id));
}
