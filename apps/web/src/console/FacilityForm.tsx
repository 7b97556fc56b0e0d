import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import {
  api,
  FACILITY_TYPES,
  unwrap,
  type Facility,
  type FacilityCreate,
  type FacilityType,
  type FacilityUpdate,
} from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import {
  CheckboxField,
  FieldRow,
  isWholeNumber,
  NumberField,
  SelectField,
  TextField,
} from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { FormPanel } from '../ui/FormPanel.tsx';
import { AreaPicker } from './AreaPicker.tsx';
import { facilityKeys } from './facilityQueries.ts';

interface Values {
  code: string;
  nameEn: string;
  nameBn: string;
  type: FacilityType;
  areaId: string;
  address: string;
  latitude: string;
  longitude: string;
  dailyCapacity: string;
  active: boolean;
}

type Problems = Partial<Record<'areaId' | 'latitude' | 'longitude' | 'dailyCapacity', string>>;

const text = (n: number | null) => (n === null ? '' : String(n));

function valuesOf(f: Facility | null): Values {
  return {
    code: f?.code ?? '',
    nameEn: f?.nameEn ?? '',
    nameBn: f?.nameBn ?? '',
    type: f?.type ?? 'vaccination_centre',
    areaId: f ? String(f.areaId) : '',
    address: f?.address ?? '',
    latitude: text(f?.latitude ?? null),
    longitude: text(f?.longitude ?? null),
    dailyCapacity: f ? String(f.dailyCapacity) : '',
    active: f?.active ?? true,
  };
}

const isDecimal = (v: string, limit: number) => {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && Math.abs(n) <= limit;
};

/** Adds a facility (no `facility`) or edits one, sending only the fields that changed. */
export function FacilityForm({
  facility,
  onDone,
  onCancel,
}: {
  facility: Facility | null;
  onDone: (facility: Facility | null) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [v, setV] = useState<Values>(() => valuesOf(facility));
  const [problems, setProblems] = useState<Problems>({});
  const set =
    <K extends keyof Values>(key: K) =>
    (value: Values[K]) =>
      setV((prev) => ({ ...prev, [key]: value }));

  const save = useMutation({
    mutationFn: (input: { create: FacilityCreate } | { id: number; update: FacilityUpdate }) =>
      'create' in input
        ? unwrap(api.POST('/api/facilities', { body: input.create }))
        : unwrap(
            api.PATCH('/api/facilities/{id}', { params: { path: { id: input.id } }, body: input.update }),
          ),
    onSuccess: async (saved) => {
      queryClient.setQueryData(facilityKeys.one(saved.id), saved);
      await queryClient.invalidateQueries({ queryKey: facilityKeys.all });
      onDone(saved);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const original = valuesOf(facility);
    const found: Problems = {};
    if (!isWholeNumber(v.areaId) || Number(v.areaId) < 1) found.areaId = t('facilities.areaRequired');
    if (v.latitude.trim() && !isDecimal(v.latitude, 90)) found.latitude = t('errors.latitude');
    if (v.longitude.trim() && !isDecimal(v.longitude, 180)) found.longitude = t('errors.longitude');
    if (v.dailyCapacity.trim() && !isWholeNumber(v.dailyCapacity))
      found.dailyCapacity = t('errors.wholeNumber');
    // The API can change coordinates and capacity but not remove them.
    if (facility) {
      for (const key of ['latitude', 'longitude', 'dailyCapacity'] as const) {
        if (original[key] !== '' && v[key].trim() === '') found[key] = t('errors.cannotRemove');
      }
    }
    setProblems(found);
    if (Object.keys(found).length) return;

    const all: FacilityCreate = {
      code: v.code.trim(),
      nameEn: v.nameEn.trim(),
      nameBn: v.nameBn.trim(),
      type: v.type,
      areaId: Number(v.areaId),
      address: v.address.trim(),
      ...(v.latitude.trim() ? { latitude: Number(v.latitude) } : {}),
      ...(v.longitude.trim() ? { longitude: Number(v.longitude) } : {}),
      ...(v.dailyCapacity.trim() ? { dailyCapacity: Number(v.dailyCapacity) } : {}),
      active: v.active,
    };
    if (!facility) {
      save.mutate({ create: all });
      return;
    }
    const changed: FacilityUpdate = {};
    if (all.code !== facility.code) changed.code = all.code;
    if (all.nameEn !== facility.nameEn) changed.nameEn = all.nameEn;
    if (all.nameBn !== facility.nameBn) changed.nameBn = all.nameBn;
    if (all.type !== facility.type) changed.type = all.type;
    if (all.areaId !== facility.areaId) changed.areaId = all.areaId;
    if (all.address !== facility.address) changed.address = all.address;
    if (all.latitude !== undefined && all.latitude !== facility.latitude) changed.latitude = all.latitude;
    if (all.longitude !== undefined && all.longitude !== facility.longitude)
      changed.longitude = all.longitude;
    if (all.dailyCapacity !== undefined && all.dailyCapacity !== facility.dailyCapacity)
      changed.dailyCapacity = all.dailyCapacity;
    if (all.active !== facility.active) changed.active = all.active;
    if (Object.keys(changed).length === 0) {
      onDone(null);
      return;
    }
    save.mutate({ id: facility.id, update: changed });
  };

  return (
    <FormPanel
      title={facility ? t('facilities.editTitle', { name: f.name(facility) }) : t('facilities.addTitle')}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={facility ? t('common.save') : t('facilities.add')}
      pending={save.isPending}
    >
      <FieldRow>
        <TextField
          label={t('facilities.code')}
          value={v.code}
          onChange={set('code')}
          required
          maxLength={40}
        />
        <SelectField
          label={t('facilities.type')}
          value={v.type}
          onChange={(value) => {
            const type = FACILITY_TYPES.find((x) => x === value);
            if (type) set('type')(type);
          }}
          options={FACILITY_TYPES.map((x) => ({ value: x, label: t(`facilityTypes.${x}`) }))}
        />
      </FieldRow>
      <FieldRow>
        <TextField
          label={t('facilities.nameEn')}
          value={v.nameEn}
          onChange={set('nameEn')}
          required
          lang="en"
          maxLength={200}
        />
        <TextField
          label={t('facilities.nameBn')}
          value={v.nameBn}
          onChange={set('nameBn')}
          required
          lang="bn"
          maxLength={200}
        />
      </FieldRow>
      <AreaPicker
        legend={t('facilities.area')}
        value={v.areaId}
        onChange={set('areaId')}
        required
        error={problems.areaId}
      />
      <TextField
        label={t('facilities.address')}
        value={v.address}
        onChange={set('address')}
        maxLength={500}
      />
      <FieldRow>
        <NumberField
          label={t('facilities.latitude')}
          value={v.latitude}
          onChange={set('latitude')}
          step="any"
          min={-90}
          max={90}
          error={problems.latitude}
        />
        <NumberField
          label={t('facilities.longitude')}
          value={v.longitude}
          onChange={set('longitude')}
          step="any"
          min={-180}
          max={180}
          error={problems.longitude}
        />
        <NumberField
          label={t('facilities.dailyCapacity')}
          value={v.dailyCapacity}
          onChange={set('dailyCapacity')}
          min={0}
          max={100000}
          error={problems.dailyCapacity}
        />
      </FieldRow>
      <CheckboxField label={t('facilities.activeLabel')} checked={v.active} onChange={set('active')} />
      <ErrorAlert error={save.error} />
    </FormPanel>
  );
}
