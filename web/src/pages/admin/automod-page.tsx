// /admin/automod: the `automod.rules` runtime setting as a list of rules to add, edit and delete.
import { useState } from 'preact/hooks';
import { Fact } from '../../components/facts';
import { LoadError, Loading } from '../../components/status';
import { useAction } from '../../components/use-action';
import { toast } from '../../lib/toast';
import { AUTOMOD_RULES, StaleConfig, saveConfig, settingOf, useConfig } from './config-api';
import { RuleForm } from './rule-form';
import { describeAction, describeMatch, rulesOf, SURFACES, type RuleSpec } from './rules';

export function AutomodPage() {
  const config = useConfig();
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const { busy, run } = useAction();
  const setting = config.data ? settingOf(config.data, AUTOMOD_RULES) : undefined;
  const rules = rulesOf(setting?.value);

  async function save(next: RuleSpec[], done: string) {
    let view;
    try {
      view = await saveConfig(config.data!, { [AUTOMOD_RULES]: next });
    } catch (e) {
      if (!(e instanceof StaleConfig)) throw e;
      // Nothing saved: show the rules as they are now, and say why.
      config.setData(e.latest);
      setEditing(null);
      toast('Another admin changed the rules meanwhile: here they are now. Make your change again.', 'error');
      return;
    }
    config.setData(view);
    setEditing(null);
    toast(`${done} (version ${view.version}).`, 'success');
  }

  function remove(i: number) {
    const rule = rules[i]!;
    if (!window.confirm(`Delete the rule “${rule.name}”?`)) return;
    void run(() =>
      save(
        rules.filter((_, j) => j !== i),
        `Rule “${rule.name}” deleted`,
      ),
    );
  }

  const form = (index: number | 'new') => (
    <RuleForm
      rule={index === 'new' ? null : rules[index]!}
      taken={rules.filter((_, j) => j !== index).map((r) => r.name)}
      onCancel={() => setEditing(null)}
      onSave={(rule) =>
        save(
          index === 'new' ? [...rules, rule] : rules.map((r, j) => (j === index ? rule : r)),
          `Rule “${rule.name}” saved`,
        )
      }
    />
  );

  return (
    <section>
      <h1>Automod</h1>
      <p class="lead">
        Automatic moderation of chat messages, listings and track titles. Changes reach every node within 2 seconds.
      </p>
      {!config.data ? (
        config.error ? <LoadError error={config.error} onRetry={config.reload} /> : <Loading />
      ) : !setting ? (
        <p class="notice">This node does not know the setting {AUTOMOD_RULES}.</p>
      ) : (
        <>
          {setting.locked && <p class="notice">The rules are pinned by the operator: they cannot be changed here.</p>}
          {rules.length === 0 && editing !== 'new' && <p class="muted">No rule yet.</p>}
          <ol class="rules">
            {rules.map((r, i) =>
              editing === i ? (
                <li key={r.name}>{form(i)}</li>
              ) : (
                <li key={r.name} class="panel rule">
                  <h2>{r.name}</h2>
                  <dl class="facts">
                    <Fact label="Looks for">{describeMatch(r)}</Fact>
                    <Fact label="Then">{describeAction(r)}</Fact>
                    <Fact label="Applies to">
                      {r.match === 'mentions' || r.match === 'flood'
                        ? 'Chat messages'
                        : (r.applies_to ?? SURFACES.map((s) => s.value))
                            .map((v) => SURFACES.find((s) => s.value === v)?.label ?? v)
                            .join(', ')}
                    </Fact>
                    {(r.exempt_roles?.length ?? 0) > 0 && <Fact label="Exempt roles">{r.exempt_roles!.join(', ')}</Fact>}
                    {(r.exempt_rooms?.length ?? 0) > 0 && <Fact label="Exempt rooms">{r.exempt_rooms!.length}</Fact>}
                  </dl>
                  {!setting.locked && (
                    <div class="actions">
                      <button type="button" class="secondary" disabled={busy || editing !== null} onClick={() => setEditing(i)}>
                        Edit<span class="visually-hidden"> {r.name}</span>
                      </button>
                      <button type="button" class="danger" disabled={busy || editing !== null} onClick={() => remove(i)}>
                        Delete<span class="visually-hidden"> {r.name}</span>
                      </button>
                    </div>
                  )}
                </li>
              ),
            )}
          </ol>
          {editing === 'new'
            ? form('new')
            : !setting.locked && (
                <button type="button" disabled={editing !== null} onClick={() => setEditing('new')}>
                  Add a rule
                </button>
              )}
        </>
      )}
    </section>
  );
}
