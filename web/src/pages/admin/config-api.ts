// The runtime config (GET/PUT /admin/config), shared by the Config and Automod sections.
import { api } from '../../lib/api';
import type { ConfigView, Setting } from '../../lib/types';
import { useLoad } from '../../components/use-load';

export const AUTOMOD_RULES = 'automod.rules';
export const BANNED_WORDS = 'chat.banned_words';

export function useConfig() {
  return useLoad((signal) => api<ConfigView>('GET', '/admin/config', undefined, { signal }), []);
}

/** Someone changed the same settings since `loaded` was read: `latest` is what holds now. */
export class StaleConfig extends Error {
  constructor(readonly latest: ConfigView) {
    super(`The settings were changed meanwhile (version ${latest.version}).`);
    this.name = 'StaleConfig';
  }
}

/**
 * `{key: value}` for each key to change (`null`: back to the default); the new config. The API
 * replaces each key whole, so saving over another admin's newer value would silently undo it:
 * refused here (StaleConfig) when a key to change moved since `loaded`.
 */
export async function saveConfig(loaded: ConfigView, patch: Record<string, unknown>): Promise<ConfigView> {
  const latest = await api<ConfigView>('GET', '/admin/config');
  const value = (v: ConfigView, key: string) => settingOf(v, key)?.value;
  if (Object.keys(patch).some((k) => !sameValue(value(latest, k), value(loaded, k)))) throw new StaleConfig(latest);
  return api<ConfigView>('PUT', '/admin/config', patch);
}

export function settingOf(view: ConfigView, key: string): Setting | undefined {
  return view.settings.find((s) => s.key === key);
}

/** The same JSON value, whatever the order of object keys. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}
