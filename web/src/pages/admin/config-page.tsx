// /admin/config: the runtime settings with an editor each, saved together as one version, and
// the version history with its diffs and rollbacks.
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { FormError, fieldErrorsOf } from '../../components/form';
import { Loading } from '../../components/status';
import { toast } from '../../lib/toast';
import type { ConfigView } from '../../lib/types';
import { StaleConfig, sameValue, saveConfig, useConfig } from './config-api';
import { ConfigHistory } from './config-history';
import { LoadError } from './load-error';
import { SettingEditor, readSetting } from './setting-editors';

export function ConfigPage() {
  const config = useConfig();
  const view = config.data;
  return (
    <section>
      <h1>Config</h1>
      <p class="lead">Runtime settings: a change reaches every node within 2 seconds.</p>
      {!view ? (
        config.error ? <LoadError error={config.error} onRetry={config.reload} /> : <Loading />
      ) : (
        <>
          {/* A new version remounts the form, so its fields show what is now in force. */}
          <SettingsForm key={view.version} view={view} onSaved={config.setData} />
          <ConfigHistory version={view.version} onRolledBack={config.setData} />
        </>
      )}
    </section>
  );
}

function SettingsForm({ view, onSaved }: { view: ConfigView; onSaved: (v: ConfigView) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [unchanged, setUnchanged] = useState(false);
  const [stale, setStale] = useState<ConfigView | null>(null);

  async function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const patch: Record<string, unknown> = {};
    const problems: Record<string, string[]> = {};
    for (const s of view.settings) {
      if (s.locked) continue;
      const read = readSetting(s, data);
      if ('error' in read) problems[s.key] = [read.error];
      else if (!sameValue(read.value, s.value)) patch[s.key] = read.value;
    }
    setLocal(problems);
    setError(null);
    setUnchanged(false);
    setStale(null);
    if (Object.keys(problems).length) return;
    if (!Object.keys(patch).length) {
      setUnchanged(true);
      return;
    }
    setBusy(true);
    try {
      const saved = await saveConfig(view, patch);
      toast(`Settings saved as version ${saved.version}.`, 'success');
      onSaved(saved);
    } catch (err) {
      if (err instanceof StaleConfig) setStale(err.latest);
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  const server = fieldErrorsOf(error);
  const keys = view.settings.map((s) => s.key);
  return (
    <form class="settings" aria-labelledby="settings-heading" onSubmit={onSubmit} noValidate>
      <h2 id="settings-heading">
        Settings <span class="muted">(version {view.version})</span>
      </h2>
      {view.settings.map((s) => (
        <SettingEditor key={s.key} setting={s} errors={local[s.key] ?? server[s.key]} />
      ))}
      {Object.keys(local).length > 0 || (Object.keys(server).length > 0 && Object.keys(server).every((k) => keys.includes(k))) ? (
        <p class="form-error" role="alert">
          Please correct the settings marked above.
        </p>
      ) : (
        <FormError error={error} />
      )}
      {stale && (
        <div class="form-error load-error" role="alert">
          <span>
            Someone changed these settings since this page was loaded (now version {stale.version}). Load the latest, then make your change again.
          </span>
          <button type="button" class="secondary" onClick={() => onSaved(stale)}>
            Load the latest
          </button>
        </div>
      )}
      {unchanged && (
        <p class="notice" role="status">
          Nothing changed: there is nothing to save.
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
