// One setting's change in a config version, as a diff: list items added and removed, or the
// value before and after.
import type { ConfigVersion } from '../../lib/types';

type Change = ConfigVersion['changes'][number];

function show(v: unknown): string {
  if (v === undefined || v === null) return 'default';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** How a list item is named: a word, a rule's name, or its JSON. */
function itemName(v: unknown): string {
  if (typeof v === 'string') return v;
  const name = v && typeof v === 'object' ? (v as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? `rule “${name}”` : JSON.stringify(v);
}

export function ChangeView({ change }: { change: Change }) {
  const { key, from, to } = change;
  if (Array.isArray(from) && Array.isArray(to)) {
    const [listFrom, listTo] = [from as unknown[], to as unknown[]];
    const keyOf = (v: unknown) => JSON.stringify(v);
    const before = new Set(listFrom.map(keyOf));
    const after = new Set(listTo.map(keyOf));
    const added = listTo.filter((v) => !before.has(keyOf(v))).map(itemName);
    const removed = listFrom.filter((v) => !after.has(keyOf(v))).map(itemName);
    const changed = added.filter((n) => removed.includes(n));
    return (
      <li>
        <code>{key}</code>:{' '}
        {changed.map((n) => (
          <span key={`c-${n}`} class="diff-changed">
            <span class="visually-hidden">changed </span>~ {n}{' '}
          </span>
        ))}
        {added
          .filter((n) => !changed.includes(n))
          .map((n) => (
            <ins key={`a-${n}`}>
              <span class="visually-hidden">added </span>+ {n}{' '}
            </ins>
          ))}
        {removed
          .filter((n) => !changed.includes(n))
          .map((n) => (
            <del key={`r-${n}`}>
              <span class="visually-hidden">removed </span>− {n}{' '}
            </del>
          ))}
        {!added.length && !removed.length && <span class="muted">reordered</span>}
      </li>
    );
  }
  return (
    <li>
      <code>{key}</code>:{' '}
      <del>
        <span class="visually-hidden">from </span>
        {show(from)}
      </del>{' '}
      →{' '}
      <ins>
        <span class="visually-hidden">to </span>
        {show(to)}
      </ins>
    </li>
  );
}
