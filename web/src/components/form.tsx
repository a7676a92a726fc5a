// Form building blocks: a labelled field with its server-side errors, the form-level error,
// and useForm() to run a submit with busy and error state.
import type { InputHTMLAttributes, TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, humanMessage, isAbortError } from '../lib/api';

/** Conflicts that belong to one field of the form that caused them. */
const CODE_FIELD: Record<string, string> = { email_taken: 'email', username_taken: 'username' };

export interface FormState {
  busy: boolean;
  error: unknown;
  /** The node's `errors` per field, plus a conflict that names a field. */
  fieldErrors: Record<string, string[]>;
  onSubmit: (e: TargetedSubmitEvent<HTMLFormElement>) => Promise<void>;
}

/** Run `action` with the form's data on submit; its failure is kept to be shown. */
export function useForm(action: (data: FormData) => Promise<unknown>): FormState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action(new FormData(e.currentTarget));
    } catch (err) {
      if (!isAbortError(err)) setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, fieldErrors: fieldErrorsOf(error), onSubmit };
}

export function fieldErrorsOf(error: unknown): Record<string, string[]> {
  if (!(error instanceof ApiError)) return {};
  const field = CODE_FIELD[error.code];
  return field ? { ...error.fieldErrors, [field]: [humanMessage(error)] } : error.fieldErrors;
}

/** The form's failure, announced; a summary when every detail is shown at its field. */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const perField = Object.keys(fieldErrorsOf(error));
  const allShown = perField.length > 0 && perField.every((f) => fields.includes(f));
  return (
    <p class="form-error" role="alert">
      {allShown ? 'Please correct the fields marked below.' : humanMessage(error)}
    </p>
  );
}

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'label'> & {
  name: string;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
};

/** A labelled input; `id` defaults to `name`. */
export function Field({ name, label, errors, hint, id = name, ...input }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={name} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
      {errorId && (
        <p id={errorId} class="field-error">
          {errors!.join(' ')}
        </p>
      )}
    </div>
  );
}
