// The config's versions, newest first, each with who changed what, and a rollback to any older one.
import { MoreButton, usePaged } from '../../components/paged';
import { LoadError, Loading } from '../../components/status';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toast } from '../../lib/toast';
import type { ConfigVersion, ConfigView, Page } from '../../lib/types';
import { ChangeView } from './diff';

const LIMIT = 10;

export function ConfigHistory({ version, onRolledBack }: { version: number; onRolledBack: (v: ConfigView) => void }) {
  // Read again from the newest whenever the config's version moves; shown meanwhile.
  const history = usePaged(
    (cursor, signal) =>
      api<Page<ConfigVersion>>('GET', '/admin/config/history', undefined, { query: { limit: LIMIT, cursor }, ...(signal ? { signal } : {}) }),
    [version],
    { keep: true },
  );
  const rolling = useAction();

  function rollback(v: ConfigVersion) {
    if (!window.confirm(`Restore the settings as they were in version ${v.version}?`)) return;
    void rolling.run(async () => {
      const view = await api<ConfigView>('POST', `/admin/config/rollback/${v.version}`);
      toast(`Rolled back to version ${v.version}: now version ${view.version}.`, 'success');
      onRolledBack(view);
    });
  }

  const versions = history.items;
  return (
    <section class="history" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {!versions ? (
        history.error ? <LoadError error={history.error} onRetry={history.reload} /> : <Loading />
      ) : versions.length === 0 ? (
        <p class="muted">No change yet: every setting has its default.</p>
      ) : (
        <ol class="versions">
          {versions.map((v) => (
            <li key={v.version} class="panel version">
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
                    disabled={rolling.busy || history.loadingMore}
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
      <MoreButton paged={history} label="Older versions" />
    </section>
  );
}
