import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import { isWholeNumber } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { useDebounced } from '../ui/useDebounced.ts';
import { facilityKeys, useFacility } from './facilityQueries.ts';

/** Chooses a facility: search by name or code and pick from the matches, or type its id. */
export function FacilityPicker({
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
  const searchId = useId();
  const matchesId = useId();
  const idInput = useId();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const matches = useQuery({
    queryKey: facilityKeys.list({ q, limit: 20, offset: 0 }),
    queryFn: () => unwrap(api.GET('/api/facilities', { params: { query: { q, limit: 20, offset: 0 } } })),
    enabled: q.length > 0,
  });
  const chosenId = isWholeNumber(value) ? Number(value) : null;
  const chosen = useFacility(chosenId);

  return (
    <fieldset className="picker">
      <legend>{legend}</legend>
      <div className="field-row">
        <div className="field">
          <label htmlFor={searchId}>{t('picker.facilitySearch')}</label>
          <input
            id={searchId}
            type="search"
            value={search}
            maxLength={100}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={matchesId}>{t('picker.matches')}</label>
          <select
            id={matchesId}
            value={matches.data?.some((m) => String(m.id) === value) ? value : ''}
            disabled={!matches.data?.length}
            onChange={(e) => onChange(e.target.value)}
          >
            <option value="">
              {!q
                ? t('picker.typeToSearch')
                : matches.isPending
                  ? t('common.loading')
                  : t('picker.matchCount', { count: matches.data?.length ?? 0 })}
            </option>
            {matches.data?.map((m) => (
              <option key={m.id} value={m.id}>
                {f.name(m)} ({m.code})
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field field-narrow">
        <label htmlFor={idInput}>{t('picker.facilityId')}</label>
        <input
          id={idInput}
          type="number"
          inputMode="numeric"
          min={1}
          value={value}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${idInput}-chosen${error ? ` ${idInput}-error` : ''}`}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
      <p className="field-hint" id={`${idInput}-chosen`} aria-live="polite">
        {chosenId === null
          ? t('picker.noneChosen')
          : chosen.data
            ? t('picker.chosenFacility', {
                name: f.name(chosen.data),
                area: f.name({ nameEn: chosen.data.areaNameEn, nameBn: chosen.data.areaNameBn }),
              })
            : chosen.isError
              ? t('picker.facilityNotFound', { id: chosenId })
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
