import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isValidIsoDate } from '@dosewise/domain';
import { api, unwrap, type Gender, type Person, type PersonChanges, type PublicArea } from '../api/client.ts';
import { AddressPicker, isCompleteAddress } from '../registration/AddressPicker.tsx';
import { GENDERS, todayIso } from '../registration/rules.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, FieldRow, RadioGroupField, TextAreaField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { FormPanel } from '../ui/FormPanel.tsx';
import { peopleKeys } from './peopleQueries.ts';

const REASON_MIN = 5;

/**
 * Corrects a person's demographic details. Only what changed is sent, with the reason; the server
 * keeps the old values, who changed them and why (the history below the record).
 */
export function CorrectionForm({
  person,
  onDone,
  onCancel,
}: {
  person: Person;
  onDone: (saved: Person | null) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [today] = useState(todayIso);
  const [nameEn, setNameEn] = useState(person.nameEn);
  const [nameBn, setNameBn] = useState(person.nameBn ?? '');
  const [dateOfBirth, setDateOfBirth] = useState(person.dateOfBirth);
  const [gender, setGender] = useState<Gender>(person.gender);
  const [moveAddress, setMoveAddress] = useState(false);
  const [address, setAddress] = useState<PublicArea[]>([]);
  const [addressLine, setAddressLine] = useState(person.addressLine);
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<
    Partial<Record<'nameEn' | 'dateOfBirth' | 'address' | 'reason', string>>
  >({});

  const save = useMutation({
    mutationFn: (body: { changes: PersonChanges; reason: string }) =>
      unwrap(api.PATCH('/api/people/{id}', { params: { path: { id: person.id } }, body })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(peopleKeys.one(person.id), saved);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: peopleKeys.corrections(person.id) }),
        queryClient.invalidateQueries({ queryKey: ['people', 'search'] }),
      ]);
      onDone(saved);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: typeof problems = {};
    if (!nameEn.trim()) found.nameEn = t('registration.problems.nameEnMissing');
    if (!isValidIsoDate(dateOfBirth)) found.dateOfBirth = t('registration.problems.dateOfBirthInvalid');
    else if (dateOfBirth > today) found.dateOfBirth = t('registration.problems.dateOfBirthFuture');
    if (moveAddress && !isCompleteAddress(address)) found.address = t('registration.problems.addressMissing');
    if (reason.trim().length < REASON_MIN)
      found.reason = t('people.correct.reasonTooShort', { min: REASON_MIN });
    setProblems(found);
    if (Object.keys(found).length) return;

    const changes: PersonChanges = {};
    if (nameEn.trim() !== person.nameEn) changes.nameEn = nameEn.trim();
    if (nameBn.trim() && nameBn.trim() !== (person.nameBn ?? '')) changes.nameBn = nameBn.trim();
    if (dateOfBirth !== person.dateOfBirth) changes.dateOfBirth = dateOfBirth;
    if (gender !== person.gender) changes.gender = gender;
    const union = address.at(-1);
    if (moveAddress && union && union.id !== person.areaId) changes.areaId = union.id;
    if (addressLine.trim() !== person.addressLine) changes.addressLine = addressLine.trim();
    if (Object.keys(changes).length === 0) {
      onDone(null);
      return;
    }
    save.mutate({ changes, reason: reason.trim() });
  };

  return (
    <FormPanel
      title={t('people.correct.title')}
      intro={t('people.correct.intro')}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={t('people.correct.submit')}
      pending={save.isPending}
    >
      <FieldRow>
        <TextField
          label={t('registration.details.nameEn')}
          value={nameEn}
          onChange={setNameEn}
          maxLength={100}
          lang="en"
          required
          error={problems.nameEn}
        />
        <TextField
          label={t('registration.details.nameBn')}
          hint={nameBn ? undefined : t('people.correct.nameBnHint')}
          value={nameBn}
          onChange={setNameBn}
          maxLength={100}
          lang="bn"
        />
      </FieldRow>
      <FieldRow>
        <TextField
          type="date"
          label={t('registration.fields.dateOfBirth')}
          value={dateOfBirth}
          onChange={setDateOfBirth}
          max={today}
          min="1900-01-01"
          required
          error={problems.dateOfBirth}
        />
        <RadioGroupField
          legend={t('registration.details.gender')}
          value={gender}
          onChange={(value) => setGender(value as Gender)}
          className="inline-options"
          options={GENDERS.map((g) => ({ value: g, label: t(`registration.genders.${g}`) }))}
        />
      </FieldRow>
      <CheckboxField
        label={t('people.correct.moveAddress')}
        hint={t('people.correct.currentArea', {
          area: f.name({ nameEn: person.areaNameEn, nameBn: person.areaNameBn }),
        })}
        checked={moveAddress}
        onChange={setMoveAddress}
      />
      {moveAddress && (
        <AddressPicker
          legend={t('registration.details.address')}
          path={address}
          onChange={setAddress}
          error={problems.address}
        />
      )}
      <TextField
        label={t('registration.details.addressLine')}
        value={addressLine}
        onChange={setAddressLine}
        maxLength={200}
      />
      <TextAreaField
        label={t('people.correct.reason')}
        hint={t('people.correct.reasonHint')}
        value={reason}
        onChange={setReason}
        rows={3}
        maxLength={500}
        required
        prose
        error={problems.reason}
      />
      <ErrorAlert error={save.error} />
    </FormPanel>
  );
}
