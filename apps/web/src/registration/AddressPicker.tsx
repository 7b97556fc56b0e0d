import { useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicArea } from '../api/client.ts';
import { useFormat } from '../ui/format.ts';
import { usePublicAreas } from './queries.ts';

/** The four levels of an address, top down; the last (union) is where a person lives. */
export const ADDRESS_LEVELS = ['division', 'district', 'upazila', 'union'] as const;
export const DISTRICT_DEPTH = 1;

/** True when the path reaches the lowest level (an area with nothing below it). */
export function isCompleteAddress(path: readonly PublicArea[]): boolean {
  const last = path.at(-1);
  return last !== undefined && last.childCount === 0;
}

function LevelSelect({
  depth,
  parent,
  selected,
  onSelect,
  invalid,
  describedBy,
}: {
  depth: number;
  /** undefined: the level above is not chosen yet. */
  parent: PublicArea | null | undefined;
  selected: PublicArea | undefined;
  onSelect: (area: PublicArea | undefined) => void;
  invalid: boolean;
  describedBy?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const ready = parent !== undefined;
  const areas = usePublicAreas(parent?.id ?? null, ready);
  const sorted = useMemo(() => {
    const collator = new Intl.Collator(f.locale);
    return [...(areas.data ?? [])].sort((a, b) => collator.compare(f.name(a), f.name(b)));
  }, [areas.data, f]);
  const level = ADDRESS_LEVELS[depth] ?? 'union';
  const label = t(`registration.address.${level}`);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={selected ? String(selected.id) : ''}
        disabled={!ready || !areas.data}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => onSelect(sorted.find((a) => String(a.id) === e.target.value))}
      >
        <option value="">
          {!ready
            ? t('registration.address.chooseAbove')
            : areas.isPending
              ? t('common.loading')
              : t('registration.address.choose', { level: label })}
        </option>
        {sorted.map((a) => (
          <option key={a.id} value={a.id}>
            {f.name(a)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Division > district > upazila > union, each list loaded when the level above is chosen. */
export function AddressPicker({
  legend,
  hint,
  path,
  onChange,
  error,
}: {
  legend: string;
  hint?: string;
  path: PublicArea[];
  onChange: (path: PublicArea[]) => void;
  error?: string;
}) {
  const id = useId();
  const select = (depth: number, area: PublicArea | undefined) =>
    onChange(area ? [...path.slice(0, depth), area] : path.slice(0, depth));
  const firstMissing = path.length;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <fieldset className="picker address-picker">
      <legend>{legend}</legend>
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
      <div className="field-row address-levels">
        {ADDRESS_LEVELS.map((_, depth) => (
          <LevelSelect
            key={`${depth}-${depth === 0 ? 'top' : (path[depth - 1]?.id ?? 'none')}`}
            depth={depth}
            parent={depth === 0 ? null : path[depth - 1]}
            selected={path[depth]}
            onSelect={(a) => select(depth, a)}
            invalid={!!error && depth === firstMissing}
            describedBy={describedBy || undefined}
          />
        ))}
      </div>
    </fieldset>
  );
}
