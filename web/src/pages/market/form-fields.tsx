// Labelled <select>, <textarea> and checkbox in the shape of components/form.tsx's Field:
// the label, a hint and the server's errors tied to the control.
import type { ComponentChildren, SelectHTMLAttributes, TextareaHTMLAttributes } from 'preact';

interface Described {
  id: string;
  hint?: string | undefined;
  errors?: string[] | undefined;
}

function describedBy({ id, hint, errors }: Described): string | undefined {
  return [hint && `${id}-hint`, errors?.length && `${id}-error`].filter(Boolean).join(' ') || undefined;
}

function Notes({ id, hint, errors }: Described) {
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

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'label'> & {
  name: string;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  children: ComponentChildren;
};

export function SelectField({ name, label, errors, hint, id = name, children, ...rest }: SelectProps) {
  const d = { id: String(id), hint, errors };
  return (
    <div class="field">
      <label for={String(id)}>{label}</label>
      <select
        id={String(id)}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(d)}
        {...rest}
      >
        {children}
      </select>
      <Notes {...d} />
    </div>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'label'> & {
  name: string;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
};

export function TextAreaField({ name, label, errors, hint, id = name, ...rest }: TextAreaProps) {
  const d = { id: String(id), hint, errors };
  return (
    <div class="field">
      <label for={String(id)}>{label}</label>
      <textarea
        id={String(id)}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(d)}
        {...rest}
      />
      <Notes {...d} />
    </div>
  );
}

interface CheckboxProps {
  name: string;
  label: string;
  hint?: string;
  defaultChecked?: boolean;
}

export function CheckboxField({ name, label, hint, defaultChecked }: CheckboxProps) {
  const d = { id: name, hint };
  return (
    <div class="field checkbox-field">
      <input type="checkbox" id={name} name={name} defaultChecked={defaultChecked} aria-describedby={describedBy(d)} />
      <label for={name}>{label}</label>
      <Notes {...d} />
    </div>
  );
}
