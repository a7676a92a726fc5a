// The config's versions, newest first, each with who changed what, and a rollback to any older one.
import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toast, toastError } from '../../lib/toast';
import type { ConfigVersion, ConfigView, Page } from '../../lib/types';
import { ChangeView } from './diff';
import { LoadError } from './load-error';
import { useLoad } from './use-load';

const LIMIT = 10;

export function ConfigHistory({ version, onRolledBack }: { version: number; onRolledBack: (v: ConfigView) => void }) {
  const first = useLoad(
    (signal) => api<Page<ConfigVersion>>('GET', '/admin/config/history', undefined, { query: { limit: LIMIT }, signal }),
    [version],
  );
  const [older, setOlder] = useState<ConfigVersion[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | 'more' | null>(null);

  useEffect(() => {
    setOlder([]);
    setCursor(first.data?.next_cursor ?? null);
  }, [first.data]);

  async function more() {
    setBusy('more');
    try {
      const page = await api<Page<ConfigVersion>>('GET', '/admin/config/history', undefined, { query: { limit: LIMIT, cursor } });
      setOlder((list) => [...list, ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  async function rollback(v: ConfigVersion) {
    if (!window.confirm(`Restore the settings as they were in version ${v.version}?`)) return;
    setBusy(v.version);
    try {
      const view = await api<ConfigView>('POST', `/admin/config/rollback/${v.version}`);
      toast(`Rolled back to version ${v.version}: now version ${view.version}.`, 'success');
      onRolledBack(view);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  const versions = [...(first.data?.items ?? []), ...older];
  return (
    <section class="history" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {!first.data ? (
        first.error ? <LoadError error={first.error} onRetry={first.reload} /> : <Loading />
      ) : versions.length === 0 ? (
        <p class="muted">No change yet: every setting has its default.</p>
      ) : (
        <ol class="versions">
          {versions.map((v) => (
            <li key={v.version} class="version">
              <div class="version-head">
                <h3>
                  Version {v.version}
                  {v.version === version && <span class="badge">Current</span>}
                </h3>
                <p class="muted">
                  {formatDateTime(v.changed_at)}
                  {v.changed_by && ` by ${v.changed_by.username}`}
                  {v.rollback_of != null && `, restoring version ${v.rollback_of}`}
                </p>
                {v.version !== version && (
                  <button
                    type="button"
                    class="secondary"
                    disabled={busy !== null}
                    onClick={() => rollback(v)}
                  >
                    Roll back to this version<span class="visually-hidden"> ({v.version})</span>
                  </button>
                )}
              </div>
              <ul class="diff">
                {v.changes.map((c) => (
                  <ChangeView key={c.key} change={c} />
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {cursor && (
        <p>
          <button type="button" class="secondary" disabled={busy !== null} onClick={more}>
            {busy === 'more' ? 'Loading…' : 'Older versions'}
          </button>
        </p>
      )}
    </section>
  );
}
