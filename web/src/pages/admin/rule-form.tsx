// Add or edit one automod rule: the fields its kind of match needs, its action and exemptions.
import { useState } from 'preact/hooks';
import { Field, fieldErrorsOf, FormError, SelectField, TextAreaField, useForm } from '../../components/form';
import { invalid } from '../../lib/api';
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

  // A rule that is not one yet is refused here, in the words of build().
  const form = useForm(async (data) => {
    const built = build(data);
    if (typeof built === 'string') throw invalid({}, built);
    await onSave(built);
  });

  const surfaces = rule?.applies_to ?? SURFACES.map((s) => s.value);
  const serverWhy = fieldErrorsOf(form.error)[AUTOMOD_RULES];
  return (
    <form class="panel rule-form" aria-labelledby="rule-form-heading" onSubmit={form.onSubmit} noValidate>
      <h2 id="rule-form-heading">{rule ? `Edit “${rule.name}”` : 'New rule'}</h2>
      <Field name="name" id="rule-name" label="Name" maxLength={64} defaultValue={rule?.name ?? ''} autoFocus required />
      <SelectField name="match" id="rule-match" label="Match" value={match} onChange={(e) => setMatch(e.currentTarget.value as MatchKind)} options={MATCHES} />
      {match === 'words' && (
        <TextAreaField
          name="words"
          id="rule-words"
          label="Words (one per line)"
          rows={4}
          defaultValue={(rule?.words ?? []).join('\n')}
          hint="Whole words, letters and digits only, any case."
        />
      )}
      {match === 'regex' && (
        <TextAreaField
          name="patterns"
          id="rule-patterns"
          label="Patterns (one per line)"
          rows={4}
          class="mono"
          defaultValue={(rule?.patterns ?? []).join('\n')}
          hint="Rust regex syntax, case-insensitive; at most 50 patterns of 200 characters."
        />
      )}
      {match === 'mentions' && (
        <Field
          name="max_mentions"
          id="rule-max-mentions"
          label="Most @mentions allowed in one message"
          type="number"
          min={1}
          max={100}
          defaultValue={rule?.max_mentions ?? 5}
        />
      )}
      {match === 'flood' && (
        <div class="field-row">
          <Field name="max_messages" id="rule-max-messages" label="Most messages allowed" type="number" min={1} max={1000} defaultValue={rule?.max_messages ?? 10} />
          <Field name="per_secs" id="rule-per-secs" label="Within (seconds)" type="number" min={1} max={3600} defaultValue={rule?.per_secs ?? 10} />
        </div>
      )}
      <SelectField name="action" id="rule-action" label="Action" value={action} onChange={(e) => setAction(e.currentTarget.value as RuleAction)} options={ACTIONS} />
      {action === 'timeout' && (
        <Field name="timeout_secs" id="rule-timeout" label="Mute for (seconds)" type="number" min={10} max={604800} defaultValue={rule?.timeout_secs ?? 300} />
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
      <TextAreaField
        name="exempt_rooms"
        id="rule-rooms"
        label="Exempt rooms (room ids, one per line)"
        rows={2}
        class="mono"
        defaultValue={(rule?.exempt_rooms ?? []).join('\n')}
      />
      <label class="check">
        <input type="checkbox" name="log_only" defaultChecked={rule?.log_only ?? false} /> Log only: count matches, do nothing
      </label>
      {serverWhy ? (
        <p class="form-error" role="alert">
          The server refused the rules: {serverWhy.join(' ')}
        </p>
      ) : (
        <FormError error={form.error} />
      )}
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
