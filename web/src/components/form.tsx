// Form building blocks: labelled controls (input, select, textarea, checkbox) with their hint and
// server-side errors, the form-level error, and useForm() to run a submit with busy and error state.
import type {
  ComponentChildren,
  InputHTMLAttributes,
  JSX,
  SelectHTMLAttributes,
  TargetedSubmitEvent,
  TextareaHTMLAttributes,
} from 'preact';
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

/**
 * Run `action` with the form's data on submit; its failure is kept to be shown. A check made
 * before sending throws lib/api.ts's invalid(), so it is shown like the node's own refusals.
 */
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

/**
 * A failure, announced: a form's (or a section's that could not load). When every detail is
 * shown at its field (`fields`), a summary that points there, wherever the fields are.
 */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const perField = Object.keys(fieldErrorsOf(error));
  const allShown = perField.length > 0 && perField.every((f) => fields.includes(f));
  return (
    <p class="form-error" role="alert">
      {allShown ? 'Check the fields marked.' : humanMessage(error)}
    </p>
  );
}

interface Notes {
  id: string;
  hint?: ComponentChildren;
  errors?: string[] | undefined;
}

/** What a control's aria-describedby names: its hint and its errors, as FieldNotes ids them. */
export function describedBy({ id, hint, errors }: Notes): string | undefined {
  return [hint && `${id}-hint`, errors?.length && `${id}-error`].filter(Boolean).join(' ') || undefined;
}

/** A control's hint and its errors, under it (ids `<id>-hint` and `<id>-error`). */
export function FieldNotes({ id, hint, errors }: Notes) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {!!errors?.length && (
        <p id={`${id}-error`} class="field-error">
          {errors.join(' ')}
        </p>
      )}
    </>
  );
}

/** What every labelled control takes besides its own attributes; `id` defaults to `name`. */
interface Labelled {
  name: string;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  /** More classes for the field's box: "compact", "inline" (label beside the control). */
  fieldClass?: string;
}

/** What ties a control to its label and its notes. */
interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface BoxProps {
  id: string;
  label: string;
  hint?: string | undefined;
  errors?: string[] | undefined;
  class: string;
  /** A checkbox comes before its label. */
  labelAfter?: boolean;
  control: (props: ControlProps) => JSX.Element;
}

/** One control in its box: the label, the control, then its hint and errors. */
function Box({ id, label, hint, errors, class: cls, labelAfter, control }: BoxProps) {
  const tag = <label for={id}>{label}</label>;
  return (
    <div class={cls}>
      {!labelAfter && tag}
      {control({ id, 'aria-invalid': errors?.length ? true : undefined, 'aria-describedby': describedBy({ id, hint, errors }) })}
      {labelAfter && tag}
      <FieldNotes id={id} hint={hint} errors={errors} />
    </div>
  );
}

const boxClass = (base: string, more: string | undefined) => (more ? `${base} ${more}` : base);

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'label'> & Labelled;

/** A labelled input. */
export function Field({ name, label, errors, hint, fieldClass, id = name, ...input }: FieldProps) {
  const box = { id: String(id), label, hint, errors, class: boxClass('field', fieldClass) };
  return <Box {...box} control={(p) => <input name={name} {...p} {...input} />} />;
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'label'> &
  Labelled & {
    /** The choices; `children` instead when some need attributes of their own. */
    options?: readonly { value: string; label: string }[];
    children?: ComponentChildren;
  };

/**
 * A labelled <select>. A <select> has no default value of its own: `defaultValue` marks that
 * option `selected` instead.
 */
export function SelectField({ name, label, errors, hint, fieldClass, id = name, options, defaultValue, children, ...select }: SelectProps) {
  const box = { id: String(id), label, hint, errors, class: boxClass('field', fieldClass) };
  const chosen = (value: string) => (defaultValue === undefined ? undefined : value === String(defaultValue));
  return (
    <Box
      {...box}
      control={(p) => (
        <select name={name} {...p} {...select}>
          {options?.map((o) => (
            <option key={o.value} value={o.value} selected={chosen(o.value)}>
              {o.label}
            </option>
          ))}
          {children}
        </select>
      )}
    />
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'label'> & Labelled;

/** A labelled <textarea>. */
export function TextAreaField({ name, label, errors, hint, fieldClass, id = name, ...textarea }: TextAreaProps) {
  const box = { id: String(id), label, hint, errors, class: boxClass('field', fieldClass) };
  return <Box {...box} control={(p) => <textarea name={name} {...p} {...textarea} />} />;
}

type CheckboxProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'label' | 'type'> & Omit<Labelled, 'name'> & { name?: string };

/** A checkbox with its label after it; `id` defaults to `name`. */
export function CheckboxField({ name, label, errors, hint, fieldClass, id = name, ...input }: CheckboxProps) {
  const box = { id: String(id), label, hint, errors, class: boxClass('check', fieldClass), labelAfter: true };
  return <Box {...box} control={(p) => <input type="checkbox" name={name} {...p} {...input} />} />;
}
