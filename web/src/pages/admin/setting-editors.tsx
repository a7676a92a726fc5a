// A typed editor for each runtime setting (rates, counts, word lists, switches), read back from
// the form's data into the JSON value the API takes. Unknown keys get a JSON editor.
import { FieldNotes, describedBy as notesOf } from '../../components/form';
import type { Setting } from '../../lib/types';
import { AUTOMOD_RULES, BANNED_WORDS } from './config-api';

type Kind = 'words' | 'bool' | 'count' | 'rate' | 'typos' | 'json' | 'automod';

interface Spec {
  kind: Kind;
  label: string;
}

const SPECS: Record<string, Spec> = {
  [AUTOMOD_RULES]: { kind: 'automod', label: 'Automatic moderation rules' },
  [BANNED_WORDS]: { kind: 'words', label: 'Banned words' },
  'registration.open': { kind: 'bool', label: 'Registration open' },
  'offers.expiry_secs': { kind: 'count', label: 'Offer expiry (seconds)' },
  'rate_limits.http_per_ip': { kind: 'rate', label: 'API requests per client IP' },
  'rate_limits.chat_send': { kind: 'rate', label: 'Chat messages per user' },
  'rate_limits.login_per_ip_per_minute': { kind: 'count', label: 'Login attempts per IP and minute' },
  'rate_limits.reports_per_hour': { kind: 'count', label: 'Reports per reporter and hour' },
  'uploads.max_track_bytes': { kind: 'count', label: 'Largest track upload (bytes)' },
  'uploads.quota_bytes': { kind: 'count', label: 'Storage per user (bytes)' },
  'search.typos': { kind: 'typos', label: 'Search typo tolerance' },
};

export function specOf(key: string): Spec {
  return SPECS[key] ?? { kind: 'json', label: key };
}

/** Form control ids: setting keys contain dots, fine in ids but not in CSS selectors. */
function idOf(key: string, part = ''): string {
  return `setting-${key.replace(/[^a-z0-9]+/gi, '-')}${part ? `-${part}` : ''}`;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function numText(v: unknown): string {
  return typeof v === 'number' ? String(v) : '';
}

export interface EditorProps {
  setting: Setting;
  errors: string[] | undefined;
}

/** The setting's control(s), its description and where its value comes from. */
export function SettingEditor({ setting, errors }: EditorProps) {
  const { key, value, locked } = setting;
  const spec = specOf(key);
  const id = idOf(key);
  const hint = description(setting);
  const describedBy = notesOf({ id, hint, errors });
  const invalid = errors?.length ? true : undefined;
  const common = { disabled: locked, 'aria-describedby': describedBy, 'aria-invalid': invalid };

  let control;
  switch (spec.kind) {
    case 'automod':
      control = (
        <>
          <h3 class="setting-label">{spec.label}</h3>
          <p>
            {Array.isArray(value) ? value.length : 0} rule{Array.isArray(value) && value.length === 1 ? '' : 's'}:{' '}
            <a href="/admin/automod">edit them in Automod</a>.
          </p>
        </>
      );
      break;
    case 'words':
      control = (
        <>
          <label class="setting-label" for={id}>
            {spec.label}
          </label>
          <textarea id={id} name={key} rows={5} defaultValue={Array.isArray(value) ? value.join('\n') : ''} {...common} />
        </>
      );
      break;
    case 'bool':
      control = (
        <label class="check setting-label">
          <input type="checkbox" id={id} name={key} defaultChecked={value === true} {...common} /> {spec.label}
        </label>
      );
      break;
    case 'count':
      control = (
        <>
          <label class="setting-label" for={id}>
            {spec.label}
          </label>
          <input id={id} name={key} type="number" min={0} step={1} inputMode="numeric" defaultValue={numText(value)} {...common} />
        </>
      );
      break;
    case 'rate':
    case 'typos': {
      const parts = spec.kind === 'rate' ? (['per_minute', 'burst'] as const) : (['one_from', 'two_from'] as const);
      const names: Record<string, string> = {
        per_minute: 'Per minute',
        burst: 'Burst',
        one_from: 'One typo from (letters)',
        two_from: 'Two typos from (letters)',
      };
      control = (
        <fieldset class="setting-pair" aria-describedby={describedBy}>
          <legend class="setting-label">{spec.label}</legend>
          {parts.map((p) => (
            <div class="field" key={p}>
              <label for={idOf(key, p)}>{names[p]}</label>
              <input
                id={idOf(key, p)}
                name={`${key}#${p}`}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                defaultValue={numText(obj(value)[p])}
                disabled={locked}
                aria-invalid={invalid}
              />
            </div>
          ))}
        </fieldset>
      );
      break;
    }
    case 'json':
      control = (
        <>
          <label class="setting-label" for={id}>
            {spec.label} (JSON)
          </label>
          <textarea id={id} name={key} rows={3} class="mono" defaultValue={value === null ? '' : JSON.stringify(value, null, 2)} {...common} />
        </>
      );
      break;
  }

  return (
    <div class="setting" data-key={key}>
      {control}
      <FieldNotes id={id} hint={hint} errors={errors} />
    </div>
  );
}

function description(s: Setting): string {
  const text = s.description.charAt(0).toUpperCase() + s.description.slice(1);
  const words = specOf(s.key).kind === 'words' ? ' One per line.' : '';
  const source = s.locked
    ? ' Pinned by the operator: it cannot be changed here.'
    : s.is_default
      ? ' Default value.'
      : s.version
        ? ` Set in version ${s.version}${s.updated_by ? ` by ${s.updated_by.username}` : ''}.`
        : '';
  return `${text}.${words}${source}`;
}

/**
 * The value the form holds for `setting`, or a message saying why it is not one. Empty number
 * fields mean "back to the default" (null).
 */
export function readSetting(setting: Setting, data: FormData): { value: unknown } | { error: string } {
  const { key } = setting;
  const raw = (name: string) => String(data.get(name) ?? '').trim();
  const whole = (text: string): number | null => (/^\d+$/.test(text) ? Number(text) : null);
  switch (specOf(key).kind) {
    case 'automod':
      return { value: setting.value };
    case 'words': {
      const words = raw(key)
        .split('\n')
        .map((w) => w.trim())
        .filter(Boolean);
      return { value: [...new Set(words)] };
    }
    case 'bool':
      return { value: data.get(key) === 'on' };
    case 'count': {
      const text = raw(key);
      if (!text) return { value: null };
      const n = whole(text);
      return n === null ? { error: 'A whole number, or empty for the default.' } : { value: n };
    }
    case 'rate': {
      const [a, b] = [raw(`${key}#per_minute`), raw(`${key}#burst`)];
      if (!a && !b) return { value: null };
      const [per_minute, burst] = [whole(a), whole(b)];
      if (per_minute === null || burst === null) return { error: 'Both numbers, or neither for the default.' };
      return { value: { per_minute, burst } };
    }
    case 'typos': {
      const [one_from, two_from] = [whole(raw(`${key}#one_from`)), whole(raw(`${key}#two_from`))];
      if (one_from === null || two_from === null) return { error: 'Both numbers of letters.' };
      return { value: { one_from, two_from } };
    }
    case 'json': {
      const text = raw(key);
      if (!text) return { value: null };
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return { error: 'Not valid JSON.' };
      }
    }
  }
}
