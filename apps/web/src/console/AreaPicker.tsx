import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Area } from '../api/client.ts';
import { isWholeNumber } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { useArea, useAreaChildren, useLevelName } from './areaQueries.ts';

/** One level of the hierarchy as a select: the children of `parentId`. */
function LevelSelect({
  parentId,
  depth,
  selected,
  onSelect,
}: {
  parentId: number | null;
  depth: number;
  selected: Area | undefined;
  onSelect: (area: Area | undefined) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const levelName = useLevelName();
  const id = useId();
  const children = useAreaChildren(parentId);
  const options = children.data ?? [];
  const level = levelName(depth) || t('areas.area');
  return (
    <div className="field">
      <label htmlFor={id}>{level}</label>
      <select
        id={id}
        value={selected ? String(selected.id) : ''}
        disabled={!children.data}
        onChange={(e) => onSelect(options.find((a) => String(a.id) === e.target.value))}
      >
        <option value="">{children.isPending ? t('common.loading') : t('picker.choose', { level })}</option>
        {options.map((a) => (
          <option key={a.id} value={a.id}>
            {f.name(a)}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * Chooses an area: step down the hierarchy with one select per level, or type the area's id.
 * `value` is the area id as text ('' when none).
 */
export function AreaPicker({
  legend,
  value,
  onChange,
  required,
  error,
}: {
  legend: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const levelName = useLevelName();
  const idInput = useId();
  const [path, setPath] = useState<Area[]>([]);
  const chosenId = isWholeNumber(value) ? Number(value) : null;
  const chosen = useArea(chosenId);

  const select = (depth: number, area: Area | undefined) => {
    const next = area ? [...path.slice(0, depth), area] : path.slice(0, depth);
    setPath(next);
    onChange(next.length ? String(next[next.length - 1]?.id) : '');
  };

  const last = path[path.length - 1];
  const levels = last && !last.childCount ? path.length : path.length + 1;

  return (
    <fieldset className="picker">
      <legend>{legend}</legend>
      <div className="field-row">
        {Array.from({ length: levels }, (_, depth) => (
          <LevelSelect
            key={`${depth}-${depth === 0 ? 'top' : path[depth - 1]?.id}`}
            parentId={depth === 0 ? null : (path[depth - 1]?.id ?? null)}
            depth={depth}
            selected={path[depth]}
            onSelect={(a) => select(depth, a)}
          />
        ))}
      </div>
      <div className="field field-narrow">
        <label htmlFor={idInput}>{t('picker.areaId')}</label>
        <input
          id={idInput}
          type="number"
          inputMode="numeric"
          min={1}
          value={value}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${idInput}-chosen${error ? ` ${idInput}-error` : ''}`}
          onChange={(e) => {
            setPath([]);
            onChange(e.target.value);
          }}
        />
      </div>
      <p className="field-hint" id={`${idInput}-chosen`} aria-live="polite">
        {chosenId === null
          ? t('picker.noneChosen')
          : chosen.data
            ? t('picker.chosen', { name: f.name(chosen.data), level: levelName(chosen.data.depth) })
            : chosen.isError
              ? t('picker.notFound', { id: chosenId })
              : t('common.loading')}
      </p>
      {error && (
        <p className="field-error" id={`${idInput}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
