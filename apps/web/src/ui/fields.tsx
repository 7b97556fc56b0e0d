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
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'search';
  autoComplete?: string;
  lang?: string;
  maxLength?: number;
  pattern?: string;
  inputMode?: 'text' | 'numeric' | 'decimal';
  placeholder?: string;
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
  checked,
  onChange,
}: {
  label: string;
  hint?: string;
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
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

export function TextAreaField({
  label,
  hint,
  value,
  onChange,
  rows = 6,
  required,
}: BaseProps & { value: string; onChange: (value: string) => void; rows?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <Described id={id} hint={hint} />
      <textarea
        id={id}
        value={value}
        rows={rows}
        required={required}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={describedBy(id, hint)}
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
