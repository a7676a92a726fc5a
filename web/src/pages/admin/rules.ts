// `automod.rules` as the API stores it (src/automod/rules.rs: RuleSpec), and how a rule reads.

export type MatchKind = 'words' | 'regex' | 'mentions' | 'flood';
export type RuleAction = 'block' | 'flag' | 'timeout';
export type Surface = 'messages' | 'listings' | 'tracks';

export interface RuleSpec {
  name: string;
  match: MatchKind;
  words?: string[];
  patterns?: string[];
  max_mentions?: number | null;
  max_messages?: number | null;
  per_secs?: number | null;
  action: RuleAction;
  /** `timeout` only: 10 s to 7 days (default 300). */
  timeout_secs?: number | null;
  exempt_roles?: string[];
  exempt_rooms?: string[];
  log_only?: boolean;
  /** Default: every surface for words and regex; mentions and flood are chat-only. */
  applies_to?: Surface[] | null;
}

export const MATCHES: { value: MatchKind; label: string }[] = [
  { value: 'words', label: 'Words' },
  { value: 'regex', label: 'Regular expressions' },
  { value: 'mentions', label: 'Too many mentions' },
  { value: 'flood', label: 'Flood (too many messages)' },
];

export const ACTIONS: { value: RuleAction; label: string }[] = [
  { value: 'block', label: 'Block the message' },
  { value: 'flag', label: 'Let it through and flag it for moderators' },
  { value: 'timeout', label: 'Block it and mute the user' },
];

export const SURFACES: { value: Surface; label: string }[] = [
  { value: 'messages', label: 'Chat messages' },
  { value: 'listings', label: 'Listings' },
  { value: 'tracks', label: 'Track titles' },
];

export function rulesOf(value: unknown): RuleSpec[] {
  return Array.isArray(value) ? (value as RuleSpec[]) : [];
}

/** What the rule looks for, in a sentence. */
export function describeMatch(r: RuleSpec): string {
  switch (r.match) {
    case 'words':
      return `Any of these words: ${(r.words ?? []).join(', ')}`;
    case 'regex':
      return `Any of these patterns: ${(r.patterns ?? []).join('  ')}`;
    case 'mentions':
      return `More than ${r.max_mentions ?? '?'} @mentions in one message`;
    case 'flood':
      return `More than ${r.max_messages ?? '?'} messages within ${r.per_secs ?? '?'} s from one user`;
  }
}

export function describeAction(r: RuleSpec): string {
  const base = ACTIONS.find((a) => a.value === r.action)?.label ?? r.action;
  const timeout = r.action === 'timeout' ? ` for ${r.timeout_secs ?? 300} s` : '';
  return r.log_only ? `Log only (would: ${base.toLowerCase()}${timeout})` : `${base}${timeout}`;
}
