// Add or edit one automod rule: the fields its kind of match needs, its action and exemptions.
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { fieldErrorsOf, FormError } from '../../components/form';
import { AUTOMOD_RULES } from './config-api';
import { ACTIONS, MATCHES, SURFACES, type MatchKind, type RuleAction, type RuleSpec, type Surface } from './rules';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLES = ['user', 'moderator', 'admin'];

interface Props {
  rule: RuleSpec | null;
  /** Names of the other rules: each rule has its own. */
  taken: string[];
  onSave: (rule: RuleSpec) => Promise<void>;
  onCancel: () => void;
}

function lines(text: FormDataEntryValue | null): string[] {
  return String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function whole(text: FormDataEntryValue | null): number | null {
  const t = String(text ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

export function RuleForm({ rule, taken, onSave, onCancel }: Props) {
  const [match, setMatch] = useState<MatchKind>(rule?.match ?? 'words');
  const [action, setAction] = useState<RuleAction>(rule?.action ?? 'block');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chatOnly = match === 'mentions' || match === 'flood';

  /** The rule the form describes, or why it is not one yet. */
  function build(data: FormData): RuleSpec | string {
    const name = String(data.get('name') ?? '').trim();
    if (!name) return 'Give the rule a name.';
    if (taken.includes(name)) return `Another rule is already called “${name}”.`;
    const spec: RuleSpec = { name, match, action };
    if (match === 'words') {
      spec.words = lines(data.get('words'));
      if (!spec.words.length) return 'List at least one word.';
    } else if (match === 'regex') {
      spec.patterns = lines(data.get('patterns'));
      if (!spec.patterns.length) return 'List at least one pattern.';
    } else if (match === 'mentions') {
      spec.max_mentions = whole(data.get('max_mentions'));
      if (spec.max_mentions === null) return 'Say how many mentions are allowed.';
    } else {
      spec.max_messages = whole(data.get('max_messages'));
      spec.per_secs = whole(data.get('per_secs'));
      if (spec.max_messages === null || spec.per_secs === null) return 'Say how many messages within how many seconds.';
    }
    if (action === 'timeout') {
      const t = String(data.get('timeout_secs') ?? '').trim();
      if (t) {
        spec.timeout_secs = whole(t);
        if (spec.timeout_secs === null) return 'The mute lasts a whole number of seconds.';
      }
    }
    if (!chatOnly) {
      const surfaces = SURFACES.map((s) => s.value).filter((s) => data.get(`surface-${s}`) === 'on') as Surface[];
      if (!surfaces.length) return 'Apply the rule to at least one kind of content.';
      // Every surface is the default: left out, so the stored rule stays minimal.
      if (surfaces.length < SURFACES.length) spec.applies_to = surfaces;
    }
    spec.exempt_roles = ROLES.filter((r) => data.get(`exempt-${r}`) === 'on');
    spec.exempt_rooms = lines(data.get('exempt_rooms'));
    const bad = spec.exempt_rooms.find((r) => !UUID.test(r));
    if (bad) return `“${bad}” is not a room id.`;
    spec.log_only = data.get('log_only') === 'on';
    return spec;
  }

  async function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const built = build(new FormData(e.currentTarget));
    setError(null);
    if (typeof built === 'string') {
      setProblem(built);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      await onSave(built);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const surfaces = rule?.applies_to ?? SURFACES.map((s) => s.value);
  const serverWhy = fieldErrorsOf(error)[AUTOMOD_RULES];
  return (
    <form class="rule-form" aria-labelledby="rule-form-heading" onSubmit={onSubmit} noValidate>
      <h2 id="rule-form-heading">{rule ? `Edit “${rule.name}”` : 'New rule'}</h2>
      <div class="field">
        <label for="rule-name">Name</label>
        <input id="rule-name" name="name" maxLength={64} defaultValue={rule?.name ?? ''} autoFocus required />
      </div>
      <div class="field">
        <label for="rule-match">Match</label>
        <select id="rule-match" value={match} onChange={(e) => setMatch(e.currentTarget.value as MatchKind)}>
          {MATCHES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      {match === 'words' && (
        <div class="field">
          <label for="rule-words">Words (one per line)</label>
          <textarea id="rule-words" name="words" rows={4} defaultValue={(rule?.words ?? []).join('\n')} aria-describedby="rule-words-hint" />
          <p id="rule-words-hint" class="hint">
            Whole words, letters and digits only, any case.
          </p>
        </div>
      )}
      {match === 'regex' && (
        <div class="field">
          <label for="rule-patterns">Patterns (one per line)</label>
          <textarea id="rule-patterns" name="patterns" rows={4} class="mono" defaultValue={(rule?.patterns ?? []).join('\n')} aria-describedby="rule-patterns-hint" />
          <p id="rule-patterns-hint" class="hint">
            Rust regex syntax, case-insensitive; at most 50 patterns of 200 characters.
          </p>
        </div>
      )}
      {match === 'mentions' && (
        <div class="field">
          <label for="rule-max-mentions">Most @mentions allowed in one message</label>
          <input id="rule-max-mentions" name="max_mentions" type="number" min={1} max={100} defaultValue={rule?.max_mentions ?? 5} />
        </div>
      )}
      {match === 'flood' && (
        <div class="field-row">
          <div class="field">
            <label for="rule-max-messages">Most messages allowed</label>
            <input id="rule-max-messages" name="max_messages" type="number" min={1} max={1000} defaultValue={rule?.max_messages ?? 10} />
          </div>
          <div class="field">
            <label for="rule-per-secs">Within (seconds)</label>
            <input id="rule-per-secs" name="per_secs" type="number" min={1} max={3600} defaultValue={rule?.per_secs ?? 10} />
          </div>
        </div>
      )}
      <div class="field">
        <label for="rule-action">Action</label>
        <select id="rule-action" value={action} onChange={(e) => setAction(e.currentTarget.value as RuleAction)}>
          {ACTIONS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      {action === 'timeout' && (
        <div class="field">
          <label for="rule-timeout">Mute for (seconds)</label>
          <input id="rule-timeout" name="timeout_secs" type="number" min={10} max={604800} defaultValue={rule?.timeout_secs ?? 300} />
        </div>
      )}
      {!chatOnly && (
        <fieldset>
          <legend>Applies to</legend>
          {SURFACES.map((s) => (
            <label key={s.value} class="check">
              <input type="checkbox" name={`surface-${s.value}`} defaultChecked={surfaces.includes(s.value)} /> {s.label}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>Exempt roles</legend>
        {ROLES.map((r) => (
          <label key={r} class="check">
            <input type="checkbox" name={`exempt-${r}`} defaultChecked={rule?.exempt_roles?.includes(r) ?? false} /> {r}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="rule-rooms">Exempt rooms (room ids, one per line)</label>
        <textarea id="rule-rooms" name="exempt_rooms" rows={2} class="mono" defaultValue={(rule?.exempt_rooms ?? []).join('\n')} />
      </div>
      <label class="check">
        <input type="checkbox" name="log_only" defaultChecked={rule?.log_only ?? false} /> Log only: count matches, do nothing
      </label>
      {problem ? (
        <p class="form-error" role="alert">
          {problem}
        </p>
      ) : serverWhy ? (
        <p class="form-error" role="alert">
          The server refused the rules: {serverWhy.join(' ')}
        </p>
      ) : (
        <FormError error={error} />
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
