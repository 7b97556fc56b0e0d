import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Product, type ProductCreate, type ProductUpdate } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, FieldRow, NumberField, TextField } from '../ui/fields.tsx';
import { FormPanel } from '../ui/FormPanel.tsx';

export const productKeys = { all: ['products'] as const };

const CODE_FIELDS = [
  'euProductCode',
  'euProphylaxisCode',
  'euManufacturerCode',
  'icd11Code',
  'cvxCode',
  'snomedCode',
  'atcCode',
] as const;
type CodeField = (typeof CODE_FIELDS)[number];

const CODE_MAX: Record<CodeField, number> = {
  euProductCode: 40,
  euProphylaxisCode: 40,
  euManufacturerCode: 40,
  icd11Code: 40,
  cvxCode: 10,
  snomedCode: 20,
  atcCode: 10,
};

/** Whole-number fields with the range the API accepts. */
const INT_FIELDS = {
  primaryDoses: [1, 5],
  minIntervalDays: [0, 3650],
  recommendedIntervalDays: [0, 3650],
  minAgeYears: [0, 130],
  dosesPerVial: [1, 50],
  openVialHours: [0, 72],
} as const;
type IntField = keyof typeof INT_FIELDS;
const INT_KEYS = Object.keys(INT_FIELDS) as IntField[];

const TEMP_FIELDS = ['storageMinC', 'storageMaxC'] as const;
type TempField = (typeof TEMP_FIELDS)[number];

type TextValues = Record<
  'code' | 'name' | 'manufacturer' | CodeField | IntField | TempField | 'boosterMinIntervalDays',
  string
>;
interface Values extends TextValues {
  boosterAllowed: boolean;
  active: boolean;
}
type Problems = Partial<Record<keyof Values, string>>;

function valuesOf(p: Product | null): Values {
  const num = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
  return {
    code: p?.code ?? '',
    name: p?.name ?? '',
    manufacturer: p?.manufacturer ?? '',
    euProductCode: p?.euProductCode ?? '',
    euProphylaxisCode: p?.euProphylaxisCode ?? '',
    euManufacturerCode: p?.euManufacturerCode ?? '',
    icd11Code: p?.icd11Code ?? '',
    cvxCode: p?.cvxCode ?? '',
    snomedCode: p?.snomedCode ?? '',
    atcCode: p?.atcCode ?? '',
    primaryDoses: num(p?.primaryDoses),
    minIntervalDays: num(p?.minIntervalDays),
    recommendedIntervalDays: num(p?.recommendedIntervalDays),
    minAgeYears: num(p?.minAgeYears),
    dosesPerVial: num(p?.dosesPerVial),
    openVialHours: num(p?.openVialHours),
    storageMinC: num(p?.storageMinC),
    storageMaxC: num(p?.storageMaxC),
    boosterMinIntervalDays: num(p?.boosterMinIntervalDays),
    boosterAllowed: p?.boosterAllowed ?? false,
    active: p?.active ?? true,
  };
}

/** Adds a vaccine product (no `product`) or edits one, sending only what changed. */
export function ProductForm({
  product,
  onDone,
  onCancel,
}: {
  product: Product | null;
  onDone: (product: Product | null) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [v, setV] = useState<Values>(() => valuesOf(product));
  const [problems, setProblems] = useState<Problems>({});
  const set =
    <K extends keyof Values>(key: K) =>
    (value: Values[K]) =>
      setV((prev) => ({ ...prev, [key]: value }));

  const save = useMutation({
    mutationFn: (input: { create: ProductCreate } | { id: number; update: ProductUpdate }) =>
      'create' in input
        ? unwrap(api.POST('/api/products', { body: input.create }))
        : unwrap(api.PATCH('/api/products/{id}', { params: { path: { id: input.id } }, body: input.update })),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: productKeys.all });
      onDone(saved);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Problems = {};
    const ints = {} as Record<IntField, number>;
    for (const key of INT_KEYS) {
      const [min, max] = INT_FIELDS[key];
      const n = Number(v[key]);
      if (v[key].trim() === '' || !Number.isInteger(n) || n < min || n > max) {
        found[key] = t('products.rangeError', { min, max });
      } else ints[key] = n;
    }
    const temps = {} as Record<TempField, number>;
    for (const key of TEMP_FIELDS) {
      const n = Number(v[key]);
      if (v[key].trim() === '' || !Number.isFinite(n) || n < -90 || n > 30) {
        found[key] = t('products.rangeError', { min: -90, max: 30 });
      } else temps[key] = n;
    }
    let boosterMinIntervalDays: number | null = null;
    if (v.boosterMinIntervalDays.trim() !== '') {
      const n = Number(v.boosterMinIntervalDays);
      if (!Number.isInteger(n) || n < 0 || n > 3650)
        found.boosterMinIntervalDays = t('products.rangeError', { min: 0, max: 3650 });
      else boosterMinIntervalDays = n;
    }
    setProblems(found);
    if (Object.keys(found).length) return;

    const codes = {} as Record<CodeField, string | null>;
    for (const key of CODE_FIELDS) codes[key] = v[key].trim() || null;
    const all: ProductCreate = {
      code: v.code.trim(),
      name: v.name.trim(),
      manufacturer: v.manufacturer.trim(),
      ...codes,
      ...ints,
      ...temps,
      boosterAllowed: v.boosterAllowed,
      boosterMinIntervalDays,
      active: v.active,
    };
    if (!product) {
      save.mutate({ create: all });
      return;
    }
    const changed: ProductUpdate = {};
    for (const key of Object.keys(all) as (keyof ProductCreate)[]) {
      if (all[key] !== product[key]) Object.assign(changed, { [key]: all[key] });
    }
    if (Object.keys(changed).length === 0) {
      onDone(null);
      return;
    }
    save.mutate({ id: product.id, update: changed });
  };

  const intField = (key: IntField) => (
    <NumberField
      key={key}
      label={t(`products.fields.${key}`)}
      value={v[key]}
      onChange={set(key)}
      min={INT_FIELDS[key][0]}
      max={INT_FIELDS[key][1]}
      required
      error={problems[key]}
    />
  );

  return (
    <FormPanel
      title={product ? t('products.editTitle', { name: product.name }) : t('products.addTitle')}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={product ? t('common.save') : t('products.add')}
      pending={save.isPending}
    >
      <fieldset>
        <legend>{t('products.groups.identity')}</legend>
        <FieldRow>
          <TextField
            label={t('products.fields.code')}
            hint={t('products.codeHint')}
            value={v.code}
            onChange={(value) => set('code')(value.toUpperCase())}
            required
            maxLength={40}
            pattern="[A-Z0-9_\-]{2,40}"
          />
          <TextField
            label={t('products.fields.name')}
            value={v.name}
            onChange={set('name')}
            required
            maxLength={200}
          />
          <TextField
            label={t('products.fields.manufacturer')}
            value={v.manufacturer}
            onChange={set('manufacturer')}
            required
            maxLength={200}
          />
        </FieldRow>
      </fieldset>
      <fieldset>
        <legend>{t('products.groups.codes')}</legend>
        <FieldRow>
          {CODE_FIELDS.map((key) => (
            <TextField
              key={key}
              label={t(`products.fields.${key}`)}
              value={v[key]}
              onChange={set(key)}
              maxLength={CODE_MAX[key]}
            />
          ))}
        </FieldRow>
      </fieldset>
      <fieldset>
        <legend>{t('products.groups.schedule')}</legend>
        <FieldRow>
          {intField('primaryDoses')}
          {intField('minIntervalDays')}
          {intField('recommendedIntervalDays')}
          {intField('minAgeYears')}
        </FieldRow>
        <CheckboxField
          label={t('products.fields.boosterAllowed')}
          checked={v.boosterAllowed}
          onChange={set('boosterAllowed')}
        />
        <FieldRow>
          <NumberField
            label={t('products.fields.boosterMinIntervalDays')}
            value={v.boosterMinIntervalDays}
            onChange={set('boosterMinIntervalDays')}
            min={0}
            max={3650}
            error={problems.boosterMinIntervalDays}
          />
        </FieldRow>
      </fieldset>
      <fieldset>
        <legend>{t('products.groups.handling')}</legend>
        <FieldRow>
          {intField('dosesPerVial')}
          {intField('openVialHours')}
          {TEMP_FIELDS.map((key) => (
            <NumberField
              key={key}
              label={t(`products.fields.${key}`)}
              value={v[key]}
              onChange={set(key)}
              min={-90}
              max={30}
              step="any"
              required
              error={problems[key]}
            />
          ))}
        </FieldRow>
      </fieldset>
      <CheckboxField label={t('products.fields.active')} checked={v.active} onChange={set('active')} />
      <ErrorAlert error={save.error} />
    </FormPanel>
  );
}
