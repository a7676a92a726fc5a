// /admin/config: the runtime settings with an editor each, saved together as one version, and
// the version history with its diffs and rollbacks.
import { useState } from 'preact/hooks';
import { FormError, useForm } from '../../components/form';
import { LoadError, Loading } from '../../components/status';
import { invalid } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { ConfigView } from '../../lib/types';
import { StaleConfig, sameValue, saveConfig, useConfig } from './config-api';
import { ConfigHistory } from './config-history';
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
  const [unchanged, setUnchanged] = useState(false);
  const [stale, setStale] = useState<ConfigView | null>(null);

  // A value that does not read (not a number, not JSON) is refused here, at its field, as the
  // node refuses the values it does not take.
  const form = useForm(async (data) => {
    const patch: Record<string, unknown> = {};
    const problems: Record<string, string[]> = {};
    for (const s of view.settings) {
      if (s.locked) continue;
      const read = readSetting(s, data);
      if ('error' in read) problems[s.key] = [read.error];
      else if (!sameValue(read.value, s.value)) patch[s.key] = read.value;
    }
    setUnchanged(false);
    setStale(null);
    if (Object.keys(problems).length) throw invalid(problems);
    if (!Object.keys(patch).length) {
      setUnchanged(true);
      return;
    }
    try {
      const saved = await saveConfig(view, patch);
      toast(`Settings saved as version ${saved.version}.`, 'success');
      onSaved(saved);
    } catch (err) {
      if (!(err instanceof StaleConfig)) throw err;
      setStale(err.latest);
    }
  });

  return (
    <form class="settings" aria-labelledby="settings-heading" onSubmit={form.onSubmit} noValidate>
      <h2 id="settings-heading">
        Settings <span class="muted">(version {view.version})</span>
      </h2>
      {view.settings.map((s) => (
        <SettingEditor key={s.key} setting={s} errors={form.fieldErrors[s.key]} />
      ))}
      <FormError error={form.error} fields={view.settings.map((s) => s.key)} />
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
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
