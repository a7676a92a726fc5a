// A state as a pill with a dot: the word carries the meaning, the dot's colour only decorates.

/** ok: done or live; busy: waiting on someone; bad: refused or taken down; none: neither. */
export type Tone = 'ok' | 'busy' | 'bad' | 'none';

export function StatusBadge({ label, tone = 'none', testId }: { label: string; tone?: Tone | undefined; testId?: string }) {
  return (
    <span class={`badge status tone-${tone}`} data-testid={testId}>
      {label}
    </span>
  );
}
