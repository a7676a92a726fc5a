import type { Visibility } from '../../lib/types';

/** Public or private, as a labelled select (name "visibility"). */
export function VisibilitySelect({ value, id = 'visibility' }: { value: Visibility; id?: string }) {
  return (
    <div class="field">
      <label for={id}>Visibility</label>
      <select id={id} name="visibility" aria-describedby={`${id}-hint`}>
        <option value="public" selected={value === 'public'}>
          Public
        </option>
        <option value="private" selected={value === 'private'}>
          Private
        </option>
      </select>
      <p id={`${id}-hint`} class="hint">
        A private track is only seen and played by you.
      </p>
    </div>
  );
}
