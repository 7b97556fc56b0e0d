import { useId, type ReactNode } from 'react';

interface BaseProps {
  label: string;
  hint?: string;
  error?: string;
  required?: boolean;
  className?: string;
}

function Described({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

const describedBy = (id: string, hint?: string, error?: string) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField({
  label,
  hint,
  error,
  required,
  className,
  value,
  onChange,
  type = 'text',
  autoComplete,
  lang,
  maxLength,
  pattern,
  inputMode,
  placeholder,
  min,
  max,
  big,
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'search' | 'tel' | 'date';
  autoComplete?: string;
  lang?: string;
  maxLength?: number;
  pattern?: string;
  inputMode?: 'text' | 'numeric' | 'decimal' | 'tel';
  placeholder?: string;
  /** For dates: the earliest and latest allowed, YYYY-MM-DD. */
  min?: string;
  max?: string;
  /** A larger input, for a code typed from an SMS. */
  big?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} error={error} />
      <input
        id={id}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required={required}
        autoComplete={autoComplete}
        lang={lang}
        maxLength={maxLength}
        pattern={pattern}
        inputMode={inputMode}
        placeholder={placeholder}
        min={min}
        max={max}
        className={big ? 'input-big' : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </div>
  );
}

export function NumberField({
  label,
  hint,
  error,
  required,
  className,
  value,
  onChange,
  min,
  max,
  step,
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
}) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} error={error} />
      <input
        id={id}
        type="number"
        inputMode={step === 'any' ? 'decimal' : 'numeric'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required={required}
        min={min}
        max={max}
        step={step}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </div>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  label,
  hint,
  error,
  required,
  className,
  value,
  onChange,
  options,
  disabled,
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  options: Option[];
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} error={error} />
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required={required}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckboxField({
  label,
  hint,
  error,
  checked,
  onChange,
}: {
  label: string;
  hint?: string;
  error?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="field field-checkbox">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

export interface RadioOption {
  value: string;
  label: string;
  hint?: string;
}

/** One choice out of a few, each with its own label and an optional hint; the fieldset names the question. */
export function RadioGroupField({
  legend,
  hint,
  error,
  value,
  onChange,
  options,
  className,
}: {
  legend: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  options: RadioOption[];
  className?: string;
}) {
  const id = useId();
  return (
    <fieldset
      className={`radio-group ${className ?? ''}`}
      aria-describedby={describedBy(id, hint, error)}
      data-invalid={error ? true : undefined}
    >
      <legend>{legend}</legend>
      <Described id={id} hint={hint} error={error} />
      {options.map((o, i) => (
        <div className="field-radio" key={o.value}>
          <input
            id={`${id}-${i}`}
            type="radio"
            name={id}
            value={o.value}
            checked={value === o.value}
            onChange={() => onChange(o.value)}
            aria-describedby={o.hint ? `${id}-${i}-hint` : undefined}
          />
          <label htmlFor={`${id}-${i}`}>{o.label}</label>
          {o.hint && (
            <p className="field-hint" id={`${id}-${i}-hint`}>
              {o.hint}
            </p>
          )}
        </div>
      ))}
    </fieldset>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  value,
  onChange,
  rows = 6,
  required,
  maxLength,
  prose,
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  maxLength?: number;
  /** Words rather than data: the text font and spell checking. */
  prose?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} error={error} />
      <textarea
        id={id}
        value={value}
        rows={rows}
        required={required}
        maxLength={maxLength}
        className={prose ? 'prose' : undefined}
        spellCheck={prose ?? false}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </div>
  );
}

/** A row of fields that wraps on narrow screens. */
export function FieldRow({ children }: { children: ReactNode }) {
  return <div className="field-row">{children}</div>;
}

/** '' -> undefined; otherwise the number (NaN when not a number, for the caller to refuse). */
export function parseNumber(value: string): number | undefined {
  const v = value.trim();
  return v === '' ? undefined : Number(v);
}

export const isWholeNumber = (value: string) => /^\s*\d+\s*$/.test(value);

/** After a refused submit: moves focus to the first field marked wrong inside `root`. */
export function focusFirstProblem(root: HTMLElement | null) {
  const target = root?.querySelector<HTMLElement>(
    '[aria-invalid="true"], [data-invalid] input:checked, [data-invalid] input, [data-invalid] textarea',
  );
  target?.focus();
}
