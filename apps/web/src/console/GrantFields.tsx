import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type GrantCreate, type Role } from '../api/client.ts';
import { isWholeNumber, SelectField } from '../ui/fields.tsx';
import { AreaPicker } from './AreaPicker.tsx';
import { FacilityPicker } from './FacilityPicker.tsx';

export type ScopeKind = 'national' | 'area' | 'facility';
const SCOPES: ScopeKind[] = ['national', 'area', 'facility'];

export interface GrantValues {
  role: Role;
  scope: ScopeKind;
  areaId: string;
  facilityId: string;
}

/** Where a role usually applies; the person granting it can still choose otherwise. */
export function usualScope(role: Role): ScopeKind {
  switch (role) {
    case 'national_admin':
    case 'auditor':
      return 'national';
    case 'area_admin':
    case 'help_desk':
      return 'area';
    case 'facility_manager':
    case 'vaccinator':
    case 'store_keeper':
      return 'facility';
  }
}

export const emptyGrant = (): GrantValues => ({
  role: 'vaccinator',
  scope: 'facility',
  areaId: '',
  facilityId: '',
});

/** Checks the values; returns the request body, or the problem to show on the scope field. */
export function grantBody(v: GrantValues): { body: GrantCreate } | { problem: 'areaId' | 'facilityId' } {
  if (v.scope === 'area') {
    if (!isWholeNumber(v.areaId) || Number(v.areaId) < 1) return { problem: 'areaId' };
    return { body: { role: v.role, areaId: Number(v.areaId) } };
  }
  if (v.scope === 'facility') {
    if (!isWholeNumber(v.facilityId) || Number(v.facilityId) < 1) return { problem: 'facilityId' };
    return { body: { role: v.role, facilityId: Number(v.facilityId) } };
  }
  return { body: { role: v.role } };
}

/** Role, and where it applies: the whole country, one area (and everything below), or one facility. */
export function GrantFields({
  value,
  onChange,
  problem,
}: {
  value: GrantValues;
  onChange: (value: GrantValues) => void;
  problem?: 'areaId' | 'facilityId';
}) {
  const { t } = useTranslation();
  const name = useId();
  return (
    <>
      <SelectField
        label={t('staff.role')}
        value={value.role}
        onChange={(r) => {
          const role = ROLES.find((x) => x === r);
          if (role) onChange({ ...value, role, scope: usualScope(role) });
        }}
        options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
      />
      <fieldset className="radio-group">
        <legend>{t('staff.scope.legend')}</legend>
        {SCOPES.map((s) => (
          <div className="field-checkbox" key={s}>
            <input
              type="radio"
              id={`${name}-${s}`}
              name={name}
              value={s}
              checked={value.scope === s}
              onChange={() => onChange({ ...value, scope: s })}
            />
            <label htmlFor={`${name}-${s}`}>{t(`staff.scope.${s}`)}</label>
          </div>
        ))}
        {value.role === 'national_admin' && value.scope !== 'national' && (
          <p className="field-hint">{t('staff.scope.nationalOnly')}</p>
        )}
      </fieldset>
      {value.scope === 'area' && (
        <AreaPicker
          legend={t('staff.scope.area')}
          value={value.areaId}
          onChange={(areaId) => onChange({ ...value, areaId })}
          required
          error={problem === 'areaId' ? t('staff.scope.areaRequired') : undefined}
        />
      )}
      {value.scope === 'facility' && (
        <FacilityPicker
          legend={t('staff.scope.facility')}
          value={value.facilityId}
          onChange={(facilityId) => onChange({ ...value, facilityId })}
          required
          error={problem === 'facilityId' ? t('staff.scope.facilityRequired') : undefined}
        />
      )}
    </>
  );
}
