import { fieldErrorsOf } from '../../components/form';
import { explain } from './errors';

/** A form's failure, announced: FormError with the marketplace's own words for its refusals. */
export function Problem({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const perField = Object.keys(fieldErrorsOf(error));
  const allShown = perField.length > 0 && perField.every((f) => fields.includes(f));
  return (
    <p class="form-error" role="alert">
      {allShown ? 'Please correct the fields marked below.' : explain(error)}
    </p>
  );
}
