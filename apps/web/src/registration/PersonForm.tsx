import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { COMORBIDITIES, ISO_3166_ALPHA2, normalisePhone, OCCUPATIONS } from '@dosewise/domain';
import {
  api,
  ApiError,
  unwrap,
  type AssistedRegistrationBody,
  type Gender,
  type IdType,
  type Person,
  type PublicArea,
} from '../api/client.ts';
import { productKeys } from '../console/ProductForm.tsx';
import { currentLanguage } from '../i18n/index.ts';
import { ErrorAlert, translatedCode } from '../ui/ErrorAlert.tsx';
import {
  CheckboxField,
  focusFirstProblem,
  RadioGroupField,
  SelectField,
  TextAreaField,
  TextField,
} from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { AddressPicker, DISTRICT_DEPTH, isCompleteAddress } from './AddressPicker.tsx';
import { errorField, useRegistrationMessages } from './messages.ts';
import { registrationKeys, usePriorityGroups, usePublicCentres, useRegistrationSettings } from './queries.ts';
import { checkDocument, checkGroup, GENDERS, groupsFor, ID_TYPES, todayIso, tooYoung } from './rules.ts';

/** 'citizen': a person registering self or family; 'staff': assisted registration at a facility. */
export type PersonFormMode = 'citizen' | 'staff';

type Step = 'document' | 'details' | 'centre';
const STEPS: Step[] = ['document', 'details', 'centre'];

interface Values {
  idType: IdType;
  idNumber: string;
  nationality: string;
  dateOfBirth: string;
  phone: string;
  nameEn: string;
  nameBn: string;
  gender: Gender | '';
  address: PublicArea[];
  addressLine: string;
  occupation: string;
  comorbidities: string[];
  priorityGroup: string;
  evidenceNote: string;
  evidenceRef: string;
  centreId: string;
  productId: string;
  consent: boolean;
}

type Field =
  | 'idNumber'
  | 'nationality'
  | 'dateOfBirth'
  | 'phone'
  | 'nameEn'
  | 'gender'
  | 'address'
  | 'comorbidities'
  | 'priorityGroup'
  | 'evidence'
  | 'centre'
  | 'product'
  | 'consent';
type Problems = Partial<Record<Field, string>>;

const FIELD_STEP: Record<Field, Step> = {
  idNumber: 'document',
  nationality: 'document',
  dateOfBirth: 'document',
  phone: 'document',
  nameEn: 'details',
  gender: 'details',
  address: 'details',
  comorbidities: 'details',
  priorityGroup: 'details',
  evidence: 'details',
  centre: 'centre',
  product: 'centre',
  consent: 'centre',
};

/** Server field names (details[0].field) and the form field they are shown at. */
const SERVER_FIELDS: Record<string, Field> = {
  idType: 'idNumber',
  idNumber: 'idNumber',
  nationality: 'nationality',
  dateOfBirth: 'dateOfBirth',
  phone: 'phone',
  nameEn: 'nameEn',
  nameBn: 'nameEn',
  gender: 'gender',
  areaId: 'address',
  addressLine: 'address',
  comorbidities: 'comorbidities',
  priorityGroup: 'priorityGroup',
  evidence: 'evidence',
  preferredFacilityId: 'centre',
  preferredProductId: 'product',
  'consent.accepted': 'consent',
  'consent.noticeVersion': 'consent',
};

/** Errors that name no field but are plainly about one. */
const CODE_FIELDS: Record<string, Field> = {
  date_of_birth_mismatch: 'dateOfBirth',
  too_young: 'dateOfBirth',
  invalid_date_of_birth: 'dateOfBirth',
  id_not_found: 'idNumber',
  invalid_phone: 'phone',
  facility_outside_area: 'centre',
  unknown_facility: 'centre',
  group_not_open: 'priorityGroup',
  group_inactive: 'priorityGroup',
  not_on_roster: 'priorityGroup',
  unknown_group: 'priorityGroup',
  too_young_for_group: 'priorityGroup',
  too_old_for_group: 'priorityGroup',
  consent_required: 'consent',
  consent_outdated: 'consent',
};

/** The form field a server error belongs to: from its details, or known from its code. */
function fieldOfError(error: ApiError): Field | undefined {
  const raw = errorField(error);
  return (raw !== undefined ? SERVER_FIELDS[raw] : undefined) ?? CODE_FIELDS[error.code];
}

const EMPTY: Values = {
  idType: 'nid',
  idNumber: '',
  nationality: '',
  dateOfBirth: '',
  phone: '',
  nameEn: '',
  nameBn: '',
  gender: '',
  address: [],
  addressLine: '',
  occupation: '',
  comorbidities: [],
  priorityGroup: '',
  evidenceNote: '',
  evidenceRef: '',
  centreId: '',
  productId: '',
  consent: false,
};

/** The step's title; when `focus` is set (the person moved to this step), focus goes to it. */
function StepHeading({ children, index, focus }: { children: ReactNode; index: number; focus: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <h2 ref={ref} tabIndex={-1} className="step-heading">
      <span className="step-count">
        {t('registration.form.stepOf', { step: f.number(index + 1), total: f.number(STEPS.length) })}
      </span>
      {children}
    </h2>
  );
}

/**
 * Registers a person, in three short steps: the identity document, the person (name, address,
 * priority group), then the vaccination centre and consent. Everything the browser can check is
 * checked before moving on, with the same rules as the server; what only the server knows (the
 * registry, rosters, duplicates) comes back by error code and is shown at the field it is about.
 */
export function PersonForm({
  mode,
  send,
  onRegistered,
  onCancel,
  defaultCentreId,
}: {
  mode: PersonFormMode;
  send: (body: AssistedRegistrationBody) => Promise<Person>;
  onRegistered: (person: Person) => void;
  onCancel?: () => void;
  /** Staff: the facility they register at, chosen as the centre when it is near the address. */
  defaultCentreId?: number;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const messages = useRegistrationMessages();
  const formRef = useRef<HTMLFormElement>(null);
  const [today] = useState(todayIso);
  const [step, setStepState] = useState<Step>('document');
  // The citizen's form opens on its own (focus to its title); the staff form is part of a page,
  // so focus moves only once the person goes to another step.
  const [moved, setMoved] = useState(mode === 'citizen');
  const setStep = (next: Step) => {
    setMoved(true);
    setStepState(next);
  };
  const [v, setV] = useState<Values>(EMPTY);
  const [problems, setProblems] = useState<Problems>({});
  const [checkProblems, setCheckProblems] = useState(0);
  const settings = useRegistrationSettings();
  const groups = usePriorityGroups();

  const set =
    <K extends keyof Values>(key: K) =>
    (value: Values[K]) =>
      setV((prev) => ({ ...prev, [key]: value }));

  // After a refused step, focus goes to the first field marked wrong (once the step has rendered).
  useEffect(() => {
    if (checkProblems) focusFirstProblem(formRef.current);
  }, [checkProblems]);

  const stop = (found: Problems) => {
    setProblems(found);
    const first = STEPS.find((s) => Object.keys(found).some((k) => FIELD_STEP[k as Field] === s));
    if (first) setStep(first);
    setCheckProblems((n) => n + 1);
  };

  const groupList = groups.data ?? [];
  const chosenGroup = groupList.find((g) => g.code === v.priorityGroup);

  const register = useMutation({
    mutationFn: send,
    onSuccess: (person) => onRegistered(person),
    onError: (error) => {
      if (!(error instanceof ApiError)) return;
      if (error.code === 'consent_outdated') {
        setV((prev) => ({ ...prev, consent: false }));
        void queryClient.invalidateQueries({ queryKey: registrationKeys.settings });
      }
      // "Proof required" is about the evidence or the conditions, whichever the chosen group needs.
      const field =
        error.code === 'proof_required'
          ? chosenGroup?.proofRule === 'staff_approval'
            ? 'evidence'
            : 'comorbidities'
          : fieldOfError(error);
      if (field) stop({ [field]: errorText(error) });
    },
  });

  const messageContext = {
    idType: v.idType,
    idNumber: v.idNumber,
    dateOfBirth: v.dateOfBirth,
    groups: groupList,
    groupCode: v.priorityGroup,
    today,
  };
  const limit = settings.data ? f.number(settings.data.peoplePerPhone) : '';
  const errorValues = limit ? { limit } : undefined;
  const localMessage = (e: ApiError) => messages.apiMessage(e, messageContext);
  /** The same words the alert uses, for the field the error is about. */
  const errorText = (error: ApiError): string =>
    localMessage(error) ??
    translatedCode(error, errorValues) ??
    (error.message || t('errors.unexpected', { status: error.status }));

  // ---- Step 1: the identity document ----

  const submitDocument = () => {
    const found: Problems = {};
    const doc = checkDocument(v.idType, v.idNumber, v.dateOfBirth, v.nationality, today);
    if (doc) found[doc.field] = messages.documentProblem(doc, v.idType, v.idNumber, v.dateOfBirth, today);
    else {
      const young = messages.tooYoungText(groupList, v.dateOfBirth, today);
      if (young) found.dateOfBirth = young;
    }
    if (mode === 'staff' && v.phone.trim()) {
      const phone = normalisePhone(v.phone, 'BD');
      if (!phone.ok) found.phone = messages.phoneProblem(phone.code);
    }
    if (Object.keys(found).length) return stop(found);
    setProblems({});
    register.reset();
    // A group chosen for another date of birth may no longer fit.
    if (
      v.priorityGroup &&
      !groupsFor(groupList, v.dateOfBirth, today).some((g) => g.code === v.priorityGroup)
    ) {
      set('priorityGroup')('');
    }
    setStep('details');
  };

  // ---- Step 2: the person ----

  const submitDetails = () => {
    const found: Problems = {};
    if (!v.nameEn.trim()) found.nameEn = t('registration.problems.nameEnMissing');
    if (!v.gender) found.gender = t('registration.problems.genderMissing');
    if (!isCompleteAddress(v.address)) found.address = t('registration.problems.addressMissing');
    if (!chosenGroup) found.priorityGroup = t('registration.problems.groupMissing');
    else {
      const choice = checkGroup(chosenGroup, {
        dateOfBirth: v.dateOfBirth,
        today,
        hasEvidence: !!(v.evidenceNote.trim() || v.evidenceRef.trim()),
        comorbidities: v.comorbidities,
      });
      if (!choice.ok) {
        if (choice.code === 'proof_required' && chosenGroup.proofRule === 'staff_approval')
          found.evidence = t('registration.problems.evidenceNeeded');
        else if (choice.code === 'proof_required')
          found.comorbidities = t('registration.problems.conditionsNeeded');
        else found.priorityGroup = t('registration.problems.groupDoesNotFit');
      }
    }
    if (Object.keys(found).length) return stop(found);
    setProblems({});
    register.reset();
    setStep('centre');
  };

  // ---- Step 3: the centre and consent ----

  const district = v.address[DISTRICT_DEPTH] ?? null;
  const upazila = v.address[DISTRICT_DEPTH + 1] ?? null;
  const centres = usePublicCentres(district?.id ?? null);
  // The district's centres (the server's rule), those in the person's own upazila first, then by name.
  const near = usePublicCentres(upazila?.id ?? null);
  const sortedCentres = useMemo(() => {
    const collator = new Intl.Collator(f.locale);
    const nearIds = new Set((near.data ?? []).map((c) => c.id));
    return [...(centres.data ?? [])]
      .map((c) => ({ ...c, near: nearIds.has(c.id) }))
      .sort((a, b) => Number(b.near) - Number(a.near) || collator.compare(f.name(a), f.name(b)));
  }, [centres.data, near.data, f]);
  const products = useQuery({
    queryKey: productKeys.all,
    queryFn: () => unwrap(api.GET('/api/products', { params: { query: { includeInactive: true } } })),
    enabled: mode === 'staff',
  });
  // Staff register at a facility: when it is one of the centres near the address, it is the default.
  const centreId =
    v.centreId ||
    (defaultCentreId && sortedCentres.some((c) => c.id === defaultCentreId) ? String(defaultCentreId) : '');

  const submitCentre = () => {
    const found: Problems = {};
    if (!centreId || !sortedCentres.some((c) => String(c.id) === centreId))
      found.centre = t('registration.problems.centreMissing');
    if (!v.consent) found.consent = t('registration.problems.consentMissing');
    if (!settings.data) return;
    if (Object.keys(found).length) return stop(found);
    setProblems({});
    const union = v.address.at(-1);
    if (!union) return;
    const evidence =
      chosenGroup?.proofRule === 'staff_approval'
        ? {
            ...(v.evidenceNote.trim() ? { note: v.evidenceNote.trim() } : {}),
            ...(v.evidenceRef.trim() ? { documentRef: v.evidenceRef.trim() } : {}),
          }
        : undefined;
    const phone = mode === 'staff' && v.phone.trim() ? normalisePhone(v.phone, 'BD') : null;
    register.mutate({
      idType: v.idType,
      idNumber: v.idNumber.trim(),
      ...(v.idType === 'passport' ? { nationality: v.nationality } : {}),
      dateOfBirth: v.dateOfBirth,
      nameEn: v.nameEn.trim(),
      ...(v.nameBn.trim() ? { nameBn: v.nameBn.trim() } : {}),
      gender: v.gender as Gender,
      areaId: union.id,
      ...(v.addressLine.trim() ? { addressLine: v.addressLine.trim() } : {}),
      ...(v.occupation ? { occupation: v.occupation } : {}),
      ...(v.comorbidities.length ? { comorbidities: v.comorbidities } : {}),
      priorityGroup: v.priorityGroup,
      ...(evidence && Object.keys(evidence).length ? { evidence } : {}),
      preferredFacilityId: Number(centreId),
      ...(mode === 'staff' && v.productId ? { preferredProductId: Number(v.productId) } : {}),
      consent: { accepted: true, noticeVersion: settings.data.consentVersion },
      locale: currentLanguage(),
      ...(phone?.ok ? { phone: phone.e164 } : {}),
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (register.isPending) return;
    if (step === 'document') submitDocument();
    else if (step === 'details') submitDetails();
    else submitCentre();
  };

  const back = () => {
    setProblems({});
    register.reset();
    setStep(step === 'centre' ? 'details' : 'document');
  };

  const stepIndex = STEPS.indexOf(step);
  const isLast = step === 'centre';

  if (settings.error || groups.error) return <ErrorAlert error={settings.error ?? groups.error} />;
  if (!settings.data || !groups.data) return <Loading />;

  return (
    <form
      ref={formRef}
      className="person-form stack"
      noValidate
      onSubmit={submit}
      data-testid="person-form"
      data-step={step}
    >
      {step === 'document' && (
        <DocumentStep
          mode={mode}
          v={v}
          set={set}
          problems={problems}
          today={today}
          index={stepIndex}
          focusHeading={moved}
        />
      )}
      {step === 'details' && (
        <DetailsStep
          mode={mode}
          v={v}
          set={set}
          problems={problems}
          today={today}
          index={stepIndex}
          focusHeading={moved}
        />
      )}
      {step === 'centre' && (
        <CentreStep
          mode={mode}
          v={v}
          set={set}
          problems={problems}
          index={stepIndex}
          focusHeading={moved}
          centres={sortedCentres}
          centresLoading={centres.isPending && district !== null}
          centresError={centres.error}
          centreId={centreId}
          districtName={district ? f.name(district) : ''}
          upazilaName={upazila ? f.name(upazila) : ''}
          products={(products.data ?? []).filter((p) => p.active)}
          consentVersion={settings.data.consentVersion}
        />
      )}
      <ErrorAlert error={register.error} values={errorValues} localMessage={localMessage} />
      <div className="actions">
        {step !== 'document' && (
          <button type="button" className="button secondary" onClick={back}>
            {t('registration.form.back')}
          </button>
        )}
        <button type="submit" className="button" disabled={register.isPending} data-testid="form-next">
          {isLast
            ? register.isPending
              ? t('registration.form.registering')
              : t('registration.form.register')
            : t('registration.form.continue')}
        </button>
        {onCancel && (
          <button type="button" className="button link" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

type SetValue = <K extends keyof Values>(key: K) => (value: Values[K]) => void;

interface StepProps {
  mode: PersonFormMode;
  v: Values;
  set: SetValue;
  problems: Problems;
  index: number;
  focusHeading: boolean;
}

function useCountryOptions() {
  const f = useFormat();
  return useMemo(() => {
    const names = new Intl.DisplayNames([f.locale], { type: 'region', fallback: 'code' });
    const collator = new Intl.Collator(f.locale);
    return [...ISO_3166_ALPHA2]
      .map((code) => ({ value: code, label: names.of(code) ?? code }))
      .sort((a, b) => collator.compare(a.label, b.label));
  }, [f]);
}

function DocumentStep({ mode, v, set, problems, index, today, focusHeading }: StepProps & { today: string }) {
  const { t } = useTranslation();
  const messages = useRegistrationMessages();
  const countries = useCountryOptions();
  const idHint =
    v.idType === 'passport'
      ? t('registration.document.numberHint.passport')
      : t(`registration.document.numberHint.${v.idType}`, { lengths: messages.idLengths(v.idType) });
  return (
    <>
      <StepHeading index={index} focus={focusHeading}>
        {t('registration.document.title')}
      </StepHeading>
      <p className="panel-intro">
        {mode === 'staff' ? t('registration.document.introStaff') : t('registration.document.intro')}
      </p>
      <RadioGroupField
        legend={t('registration.document.type')}
        value={v.idType}
        onChange={(value) => set('idType')(value as IdType)}
        options={ID_TYPES.map((type) => ({
          value: type,
          label: t(`registration.idTypes.${type}`),
          hint: t(`registration.document.typeHint.${type}`, { ages: messages.ages(type) }),
        }))}
      />
      <TextField
        label={t(`registration.document.number.${v.idType}`)}
        hint={idHint}
        value={v.idNumber}
        onChange={set('idNumber')}
        required
        maxLength={30}
        autoComplete="off"
        inputMode={v.idType === 'passport' ? 'text' : 'numeric'}
        error={problems.idNumber}
        className="field-medium"
      />
      {v.idType === 'passport' && (
        <SelectField
          label={t('registration.document.nationality')}
          hint={t('registration.document.nationalityHint')}
          value={v.nationality}
          onChange={set('nationality')}
          required
          error={problems.nationality}
          className="field-medium"
          options={[{ value: '', label: t('registration.document.chooseCountry') }, ...countries]}
        />
      )}
      <TextField
        type="date"
        label={t('registration.document.dateOfBirth')}
        hint={t('registration.document.dateOfBirthHint')}
        value={v.dateOfBirth}
        onChange={set('dateOfBirth')}
        required
        max={today}
        min="1900-01-01"
        error={problems.dateOfBirth}
        className="field-narrow-date"
      />
      {mode === 'staff' && (
        <TextField
          type="tel"
          label={t('registration.document.phone')}
          hint={t('registration.document.phoneHint')}
          value={v.phone}
          onChange={set('phone')}
          autoComplete="off"
          inputMode="tel"
          maxLength={20}
          error={problems.phone}
          className="field-medium"
        />
      )}
    </>
  );
}

function DetailsStep({ mode, v, set, problems, index, today, focusHeading }: StepProps & { today: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const groups = usePriorityGroups().data ?? [];
  const fitting = groupsFor(groups, v.dateOfBirth, today);
  const chosen = fitting.find((g) => g.code === v.priorityGroup);
  const bn = f.locale.startsWith('bn');
  const young = tooYoung(groups, v.dateOfBirth, today);
  const toggleCondition = (code: string, on: boolean) =>
    set('comorbidities')(on ? [...v.comorbidities, code] : v.comorbidities.filter((c) => c !== code));
  const verifiedByRegistry = v.idType !== 'passport';

  return (
    <>
      <StepHeading index={index} focus={focusHeading}>
        {t('registration.details.title')}
      </StepHeading>
      <fieldset>
        <legend>{t('registration.details.name')}</legend>
        <TextField
          label={t('registration.details.nameEn')}
          hint={
            verifiedByRegistry
              ? t('registration.details.nameEnHintRegistry')
              : t('registration.details.nameEnHint')
          }
          value={v.nameEn}
          onChange={set('nameEn')}
          required
          maxLength={100}
          autoComplete="off"
          lang="en"
          error={problems.nameEn}
        />
        <TextField
          label={t('registration.details.nameBn')}
          hint={t('registration.details.optional')}
          value={v.nameBn}
          onChange={set('nameBn')}
          maxLength={100}
          autoComplete="off"
          lang="bn"
        />
      </fieldset>
      <RadioGroupField
        legend={t('registration.details.gender')}
        value={v.gender}
        onChange={(value) => set('gender')(value as Gender)}
        error={problems.gender}
        className="inline-options"
        options={GENDERS.map((g) => ({ value: g, label: t(`registration.genders.${g}`) }))}
      />

      <AddressPicker
        legend={t('registration.details.address')}
        hint={t('registration.details.addressHint')}
        path={v.address}
        onChange={set('address')}
        error={problems.address}
      />
      <TextField
        label={t('registration.details.addressLine')}
        hint={t('registration.details.addressLineHint')}
        value={v.addressLine}
        onChange={set('addressLine')}
        maxLength={200}
        autoComplete="off"
      />

      <SelectField
        label={t('registration.details.occupation')}
        hint={t('registration.details.optional')}
        value={v.occupation}
        onChange={set('occupation')}
        className="field-medium"
        options={[
          { value: '', label: t('registration.details.noOccupation') },
          ...OCCUPATIONS.map((o) => ({ value: o.code, label: bn ? o.labelBn : o.labelEn })),
        ]}
      />

      <fieldset className="checkbox-group" data-invalid={problems.comorbidities ? true : undefined}>
        <legend>{t('registration.details.conditions')}</legend>
        <p className="field-hint">{t('registration.details.conditionsHint')}</p>
        {problems.comorbidities && <p className="field-error">{problems.comorbidities}</p>}
        <div className="checkbox-columns">
          {COMORBIDITIES.map((c) => (
            <CheckboxField
              key={c.code}
              label={bn ? c.labelBn : c.labelEn}
              checked={v.comorbidities.includes(c.code)}
              onChange={(on) => toggleCondition(c.code, on)}
            />
          ))}
        </div>
      </fieldset>

      {fitting.length === 0 ? (
        <div className="alert" role="alert">
          <p className="alert-message">
            {young
              ? t('registration.problems.tooYoung', {
                  age: f.number(young.minimumAgeYears),
                  date: f.date(young.eligibleFrom),
                })
              : t('registration.details.noGroup')}
          </p>
        </div>
      ) : (
        <RadioGroupField
          legend={t('registration.details.group')}
          hint={t('registration.details.groupHint')}
          value={v.priorityGroup}
          onChange={set('priorityGroup')}
          error={problems.priorityGroup}
          className="group-options"
          options={fitting.map((g) => ({
            value: g.code,
            label: f.name(g),
            hint: t(`registration.proof.${g.proofRule}`),
          }))}
        />
      )}
      {chosen?.proofRule === 'staff_approval' && (
        <fieldset data-invalid={problems.evidence ? true : undefined}>
          <legend>{t('registration.details.evidence', { group: f.name(chosen) })}</legend>
          <p className="field-hint">
            {mode === 'staff'
              ? t('registration.details.evidenceHintStaff')
              : t('registration.details.evidenceHint')}
          </p>
          {problems.evidence && <p className="field-error">{problems.evidence}</p>}
          <TextAreaField
            label={t('registration.details.evidenceNote')}
            value={v.evidenceNote}
            onChange={set('evidenceNote')}
            rows={3}
            maxLength={500}
            prose
          />
          <TextField
            label={t('registration.details.evidenceRef')}
            hint={t('registration.details.evidenceRefHint')}
            value={v.evidenceRef}
            onChange={set('evidenceRef')}
            maxLength={100}
            autoComplete="off"
          />
        </fieldset>
      )}
      {chosen?.proofRule === 'roster' && (
        <Notice tone="info">{t('registration.details.rosterNote', { group: f.name(chosen) })}</Notice>
      )}
    </>
  );
}

function CentreStep({
  mode,
  v,
  set,
  problems,
  index,
  focusHeading,
  centres,
  centresLoading,
  centresError,
  centreId,
  districtName,
  upazilaName,
  products,
  consentVersion,
}: StepProps & {
  centres: { id: number; nameEn: string; nameBn: string; address: string; near: boolean }[];
  upazilaName: string;
  centresLoading: boolean;
  centresError: unknown;
  centreId: string;
  districtName: string;
  products: { id: number; name: string }[];
  consentVersion: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const noticeId = useId();
  return (
    <>
      <StepHeading index={index} focus={focusHeading}>
        {t('registration.centre.title')}
      </StepHeading>
      <ErrorAlert error={centresError} />
      {centresLoading && <Loading />}
      {!centresLoading && !centresError && centres.length === 0 && (
        <div className="alert" role="alert">
          <p className="alert-message">{t('registration.centre.none', { district: districtName })}</p>
        </div>
      )}
      {centres.length > 0 && (
        <RadioGroupField
          legend={t('registration.centre.legend', { district: districtName })}
          hint={t('registration.centre.hint')}
          value={centreId}
          onChange={set('centreId')}
          error={problems.centre}
          className="centre-options"
          options={centres.map((c) => ({
            value: String(c.id),
            label: f.name(c),
            hint:
              c.near && upazilaName
                ? `${t('registration.centre.near', { upazila: upazilaName })} · ${c.address}`
                : c.address,
          }))}
        />
      )}
      {mode === 'staff' ? (
        <SelectField
          label={t('registration.centre.product')}
          hint={t('registration.centre.productHint')}
          value={v.productId}
          onChange={set('productId')}
          error={problems.product}
          className="field-medium"
          options={[
            { value: '', label: t('registration.centre.noPreference') },
            ...products.map((p) => ({ value: String(p.id), label: p.name })),
          ]}
        />
      ) : null}

      <section className="consent-notice" aria-labelledby={noticeId} data-testid="consent-notice">
        <h3 id={noticeId}>{t('registration.consent.title')}</h3>
        <p>{t('registration.consent.what')}</p>
        <p>{t('registration.consent.why')}</p>
        <p>{t('registration.consent.who')}</p>
        <p>{t('registration.consent.rights')}</p>
        <p className="muted small">{t('registration.consent.version', { version: consentVersion })}</p>
      </section>
      <CheckboxField
        label={mode === 'staff' ? t('registration.consent.agreeStaff') : t('registration.consent.agree')}
        checked={v.consent}
        onChange={set('consent')}
        error={problems.consent}
      />
    </>
  );
}
