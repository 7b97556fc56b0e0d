import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isValidIsoDate } from '@dosewise/domain';
import { api, unwrap, type PriorityGroup, type PriorityGroupInput, type ProofRule } from '../api/client.ts';
import { registrationKeys } from '../registration/queries.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, FieldRow, NumberField, RadioGroupField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { FormPanel } from '../ui/FormPanel.tsx';

export const PROOF_RULES = [
  'self_declared',
  'staff_approval',
  'roster',
] as const satisfies readonly ProofRule[];
const CODE_PATTERN = /^[a-z][a-z0-9_]*$/;

type Field = 'code' | 'nameEn' | 'nameBn' | 'rank' | 'minAgeYears' | 'maxAgeYears' | 'opensOn';

function whole(value: string, min: number, max: number): number | null {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}

/**
 * Adds a priority group, or edits one. An edit is saved as the group's next version: people
 * registered under an earlier version keep it.
 */
export function PriorityGroupForm({
  group,
  onDone,
  onCancel,
}: {
  group: PriorityGroup | null;
  onDone: (saved: PriorityGroup) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [code, setCode] = useState(group?.code ?? '');
  const [nameEn, setNameEn] = useState(group?.nameEn ?? '');
  const [nameBn, setNameBn] = useState(group?.nameBn ?? '');
  const [rank, setRank] = useState(group ? String(group.rank) : '');
  const [minAge, setMinAge] = useState(group ? String(group.minAgeYears) : '18');
  const [maxAge, setMaxAge] = useState(group?.maxAgeYears != null ? String(group.maxAgeYears) : '');
  const [proofRule, setProofRule] = useState<ProofRule>(group?.proofRule ?? 'self_declared');
  const [opensOn, setOpensOn] = useState(group?.opensOn ?? '');
  const [active, setActive] = useState(group?.active ?? true);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});

  const save = useMutation({
    mutationFn: (body: PriorityGroupInput) =>
      group
        ? unwrap(api.PUT('/api/priority-groups/{code}', { params: { path: { code: group.code } }, body }))
        : unwrap(api.POST('/api/priority-groups/{code}', { params: { path: { code } }, body })),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: registrationKeys.groups });
      onDone(saved);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (!group && (!CODE_PATTERN.test(code) || code.length > 40)) found.code = t('groups.problems.code');
    if (!nameEn.trim()) found.nameEn = t('groups.problems.required');
    if (!nameBn.trim()) found.nameBn = t('groups.problems.required');
    const rankN = whole(rank, 1, 100);
    if (rankN === null) found.rank = t('products.rangeError', { min: f.number(1), max: f.number(100) });
    const minN = whole(minAge, 0, 130);
    if (minN === null) found.minAgeYears = t('products.rangeError', { min: f.number(0), max: f.number(130) });
    let maxN: number | null = null;
    if (maxAge.trim()) {
      maxN = whole(maxAge, 0, 130);
      if (maxN === null)
        found.maxAgeYears = t('products.rangeError', { min: f.number(0), max: f.number(130) });
      else if (minN !== null && maxN < minN) found.maxAgeYears = t('apiErrors.invalid_age_range');
    }
    if (!isValidIsoDate(opensOn)) found.opensOn = t('groups.problems.date');
    setProblems(found);
    if (Object.keys(found).length || rankN === null || minN === null) return;
    save.mutate({
      nameEn: nameEn.trim(),
      nameBn: nameBn.trim(),
      rank: rankN,
      minAgeYears: minN,
      maxAgeYears: maxN,
      proofRule,
      opensOn,
      active,
    });
  };

  return (
    <FormPanel
      title={group ? t('groups.editTitle', { name: f.name(group) }) : t('groups.addTitle')}
      intro={group ? t('groups.editIntro', { version: f.number(group.version + 1) }) : t('groups.addIntro')}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={group ? t('groups.saveVersion') : t('groups.add')}
      pending={save.isPending}
    >
      {!group && (
        <TextField
          label={t('groups.fields.code')}
          hint={t('groups.codeHint')}
          value={code}
          onChange={(value) => setCode(value.toLowerCase())}
          maxLength={40}
          pattern="[a-z][a-z0-9_]*"
          autoComplete="off"
          required
          error={problems.code}
          className="field-medium"
        />
      )}
      <FieldRow>
        <TextField
          label={t('groups.fields.nameEn')}
          value={nameEn}
          onChange={setNameEn}
          maxLength={100}
          lang="en"
          required
          error={problems.nameEn}
        />
        <TextField
          label={t('groups.fields.nameBn')}
          value={nameBn}
          onChange={setNameBn}
          maxLength={100}
          lang="bn"
          required
          error={problems.nameBn}
        />
      </FieldRow>
      <FieldRow>
        <NumberField
          label={t('groups.fields.rank')}
          hint={t('groups.rankHint')}
          value={rank}
          onChange={setRank}
          min={1}
          max={100}
          required
          error={problems.rank}
        />
        <NumberField
          label={t('groups.fields.minAge')}
          value={minAge}
          onChange={setMinAge}
          min={0}
          max={130}
          required
          error={problems.minAgeYears}
        />
        <NumberField
          label={t('groups.fields.maxAge')}
          hint={t('groups.maxAgeHint')}
          value={maxAge}
          onChange={setMaxAge}
          min={0}
          max={130}
          error={problems.maxAgeYears}
        />
        <TextField
          type="date"
          label={t('groups.fields.opensOn')}
          value={opensOn}
          onChange={setOpensOn}
          required
          error={problems.opensOn}
        />
      </FieldRow>
      <RadioGroupField
        legend={t('groups.fields.proofRule')}
        value={proofRule}
        onChange={(value) => setProofRule(value as ProofRule)}
        options={PROOF_RULES.map((r) => ({
          value: r,
          label: t(`groups.proofRules.${r}`),
          hint: t(`groups.proofRuleHints.${r}`),
        }))}
      />
      <CheckboxField label={t('groups.fields.active')} checked={active} onChange={setActive} />
      <ErrorAlert error={save.error} />
    </FormPanel>
  );
}
