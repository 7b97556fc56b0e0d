import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Area, type AreaCreate, type AreaUpdate } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, isWholeNumber, NumberField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { FormPanel } from '../ui/FormPanel.tsx';
import { areaKeys, useLevelName } from './areaQueries.ts';

export function AddAreaForm({
  parent,
  onDone,
  onCancel,
}: {
  /** The area the new one goes under; null for a top-level area. */
  parent: Area | null;
  onDone: (area: Area) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const levelName = useLevelName();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [nameEn, setNameEn] = useState('');
  const [nameBn, setNameBn] = useState('');
  const [population, setPopulation] = useState('');
  const [populationError, setPopulationError] = useState<string>();

  const create = useMutation({
    mutationFn: (body: AreaCreate) => unwrap(api.POST('/api/areas', { body })),
    onSuccess: async (area) => {
      await queryClient.invalidateQueries({ queryKey: areaKeys.all });
      onDone(area);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (population.trim() && !isWholeNumber(population)) {
      setPopulationError(t('errors.wholeNumber'));
      return;
    }
    setPopulationError(undefined);
    create.mutate({
      code: code.trim(),
      nameEn: nameEn.trim(),
      nameBn: nameBn.trim(),
      ...(parent ? { parentId: parent.id } : {}),
      ...(population.trim() ? { population: Number(population) } : {}),
    });
  };

  const level = levelName(parent ? parent.depth + 1 : 0);
  return (
    <FormPanel
      title={t('areas.addTitle')}
      intro={
        parent
          ? t('areas.addUnder', { level: level || t('areas.area'), parent: f.name(parent) })
          : t('areas.addTop', { level: level || t('areas.area') })
      }
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={t('areas.add')}
      pending={create.isPending}
    >
      <FieldRow>
        <TextField label={t('areas.code')} value={code} onChange={setCode} required maxLength={40} />
        <NumberField
          label={t('areas.population')}
          value={population}
          onChange={setPopulation}
          min={0}
          error={populationError}
        />
      </FieldRow>
      <FieldRow>
        <TextField
          label={t('areas.nameEn')}
          value={nameEn}
          onChange={setNameEn}
          required
          lang="en"
          maxLength={200}
        />
        <TextField
          label={t('areas.nameBn')}
          value={nameBn}
          onChange={setNameBn}
          required
          lang="bn"
          maxLength={200}
        />
      </FieldRow>
      <ErrorAlert error={create.error} />
    </FormPanel>
  );
}

export function EditAreaForm({
  area,
  onDone,
  onCancel,
}: {
  area: Area;
  onDone: (area: Area | null) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [code, setCode] = useState(area.code);
  const [nameEn, setNameEn] = useState(area.nameEn);
  const [nameBn, setNameBn] = useState(area.nameBn);
  const [population, setPopulation] = useState(area.population === null ? '' : String(area.population));
  const [postcode, setPostcode] = useState(area.postcode ?? '');
  const [problems, setProblems] = useState<{ population?: string; postcode?: string }>({});

  const update = useMutation({
    mutationFn: (body: AreaUpdate) =>
      unwrap(api.PATCH('/api/areas/{id}', { params: { path: { id: area.id } }, body })),
    onSuccess: async (updated) => {
      queryClient.setQueryData(areaKeys.one(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: areaKeys.all });
      onDone(updated);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: AreaUpdate = {};
    const found: typeof problems = {};
    if (code.trim() !== area.code) body.code = code.trim();
    if (nameEn.trim() !== area.nameEn) body.nameEn = nameEn.trim();
    if (nameBn.trim() !== area.nameBn) body.nameBn = nameBn.trim();
    const pop = population.trim();
    if (pop !== (area.population === null ? '' : String(area.population))) {
      // The API can change a population but not remove one.
      if (!isWholeNumber(pop)) found.population = t('errors.wholeNumber');
      else body.population = Number(pop);
    }
    const pc = postcode.trim();
    if (pc !== (area.postcode ?? '')) {
      if (!pc) found.postcode = t('areas.postcodeRequired');
      else body.postcode = pc;
    }
    setProblems(found);
    if (found.population || found.postcode) return;
    if (Object.keys(body).length === 0) {
      onDone(null);
      return;
    }
    update.mutate(body);
  };

  return (
    <FormPanel
      title={t('areas.editTitle', { name: f.name(area) })}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={t('common.save')}
      pending={update.isPending}
    >
      <FieldRow>
        <TextField label={t('areas.code')} value={code} onChange={setCode} required maxLength={40} />
        <NumberField
          label={t('areas.population')}
          value={population}
          onChange={setPopulation}
          min={0}
          error={problems.population}
        />
        <TextField
          label={t('areas.postcode')}
          value={postcode}
          onChange={setPostcode}
          maxLength={12}
          error={problems.postcode}
        />
      </FieldRow>
      <FieldRow>
        <TextField
          label={t('areas.nameEn')}
          value={nameEn}
          onChange={setNameEn}
          required
          lang="en"
          maxLength={200}
        />
        <TextField
          label={t('areas.nameBn')}
          value={nameBn}
          onChange={setNameBn}
          required
          lang="bn"
          maxLength={200}
        />
      </FieldRow>
      <ErrorAlert error={update.error} />
    </FormPanel>
  );
}
