import { SelectField } from '../../components/form';
import type { Visibility } from '../../lib/types';

const CHOICES = [
  { value: 'public', label: 'Public' },
  { value: 'private', label: 'Private' },
];

/** Public or private, as a labelled select (name "visibility"). */
export function VisibilitySelect({ value, id = 'visibility' }: { value: Visibility; id?: string }) {
  return (
    <SelectField name="visibility" id={id} label="Visibility" hint="A private track is only seen and played by you." defaultValue={value} options={CHOICES} />
  );
}
