import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { addDays, daysBetween, isValidIsoDate } from '@dosewise/domain';
import { api, unwrap, type Product } from '../api/client.ts';
import type { Session } from '../api/scheduling.ts';
import { isoWeekday, mondayOf, programmeToday, useScheduleFormat } from '../scheduling/format.ts';
import { useSessionMessage } from '../scheduling/messages.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import {
  CheckboxField,
  FieldRow,
  NumberField,
  SelectField,
  TextField,
  focusFirstProblem,
  isWholeNumber,
} from '../ui/fields.tsx';
import { FormPanel } from '../ui/FormPanel.tsx';
import { Loading } from '../ui/Notice.tsx';
import { sessionKeys, useProducts } from './sessionQueries.ts';

/** Doses beyond the primary series a product may be offered as (one booster), as the server allows. */
const BOOSTERS = 1;
/** The longest weekly pattern the server plans at once, in days. */
const MAX_TEMPLATE_DAYS = 92;
const SLOT_LENGTHS = ['', '15', '20', '30', '60', '120'] as const;
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
/** Friday is the weekly holiday: sessions run on the other six days unless the planner says otherwise. */
const DEFAULT_WEEKDAYS = [1, 2, 3, 4, 6, 7];

interface Shape {
  productId: string;
  doses: number[];
  minAge: string;
  maxAge: string;
  startsAt: string;
  endsAt: string;
  capacity: string;
  slotMinutes: string;
}

type Problems = Partial<Record<keyof Shape | 'date' | 'from' | 'to' | 'weekdays', string>>;

const maxDoseOf = (p: Product) => p.primaryDoses + (p.boosterAllowed ? BOOSTERS : 0);

function initialShape(): Shape {
  return {
    productId: '',
    doses: [1],
    minAge: '18',
    maxAge: '',
    startsAt: '09:00',
    endsAt: '13:00',
    capacity: '100',
    slotMinutes: '60',
  };
}

/** What both forms ask: vaccine, doses, ages, hours, seats and slot length. */
function useShape() {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const [shape, setShape] = useState<Shape>(initialShape);
  const set = <K extends keyof Shape>(key: K, value: Shape[K]) => setShape((s) => ({ ...s, [key]: value }));

  const check = (products: Product[]): Problems => {
    const found: Problems = {};
    const product = products.find((p) => String(p.id) === shape.productId);
    if (!product) found.productId = t('sessions.form.productMissing');
    if (shape.doses.length === 0) found.doses = t('sessions.form.dosesMissing');
    if (!isWholeNumber(shape.minAge) || Number(shape.minAge) > 130) found.minAge = t('errors.wholeNumber');
    else if (product && Number(shape.minAge) < product.minAgeYears)
      found.minAge = t('sessions.form.minAgeBelowProduct', { age: f.number(product.minAgeYears) });
    if (shape.maxAge.trim() !== '') {
      if (!isWholeNumber(shape.maxAge) || Number(shape.maxAge) > 130) found.maxAge = t('errors.wholeNumber');
      else if (isWholeNumber(shape.minAge) && Number(shape.maxAge) < Number(shape.minAge))
        found.maxAge = t('sessions.form.maxBelowMin');
    }
    if (!/^\d{2}:\d{2}$/.test(shape.startsAt)) found.startsAt = t('sessions.form.timeMissing');
    if (!/^\d{2}:\d{2}$/.test(shape.endsAt)) found.endsAt = t('sessions.form.timeMissing');
    else if (shape.endsAt <= shape.startsAt) found.endsAt = t('sessions.form.endsBeforeStart');
    if (!isWholeNumber(shape.capacity) || Number(shape.capacity) < 1 || Number(shape.capacity) > 10_000)
      found.capacity = t('sessions.form.capacityRange');
    return found;
  };

  const body = () => ({
    productId: Number(shape.productId),
    doseNumbers: [...shape.doses].sort((a, b) => a - b),
    minAgeYears: Number(shape.minAge),
    maxAgeYears: shape.maxAge.trim() === '' ? null : Number(shape.maxAge),
    startsAt: shape.startsAt,
    endsAt: shape.endsAt,
    capacity: Number(shape.capacity),
    ...(shape.slotMinutes ? { slotMinutes: Number(shape.slotMinutes) } : {}),
  });

  return { shape, set, check, body };
}

function TimeField({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
}) {
  const id = useId();
  return (
    <div className="field field-time">
      <label htmlFor={id}>{label}</label>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <input
        id={id}
        type="time"
        value={value}
        step={300}
        required
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
    </div>
  );
}

function ShapeFields({
  shape,
  set,
  problems,
  products,
}: {
  shape: Shape;
  set: <K extends keyof Shape>(key: K, value: Shape[K]) => void;
  problems: Problems;
  products: Product[];
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const product = products.find((p) => String(p.id) === shape.productId);
  const maxDose = product ? maxDoseOf(product) : 2;
  const doseOptions = Array.from({ length: maxDose }, (_, i) => i + 1);
  return (
    <>
      <SelectField
        label={t('sessions.form.product')}
        value={shape.productId}
        className="field-medium"
        error={problems.productId}
        required
        onChange={(v) => {
          set('productId', v);
          const p = products.find((x) => String(x.id) === v);
          if (p) {
            set(
              'doses',
              shape.doses.filter((d) => d <= maxDoseOf(p)),
            );
            if (isWholeNumber(shape.minAge) && Number(shape.minAge) < p.minAgeYears)
              set('minAge', String(p.minAgeYears));
          }
        }}
        options={[
          { value: '', label: t('sessions.form.chooseProduct') },
          ...products.map((p) => ({ value: String(p.id), label: `${p.name} (${p.code})` })),
        ]}
      />
      <fieldset className="checkbox-group inline-options" data-invalid={problems.doses ? true : undefined}>
        <legend>{t('sessions.form.doses')}</legend>
        {problems.doses && <p className="field-error">{problems.doses}</p>}
        {doseOptions.map((d) => (
          <CheckboxField
            key={d}
            label={
              product && d > product.primaryDoses
                ? t('sessions.form.booster', { dose: f.number(d) })
                : t('sessions.doseN', { dose: f.number(d) })
            }
            checked={shape.doses.includes(d)}
            onChange={(on) => set('doses', on ? [...shape.doses, d] : shape.doses.filter((x) => x !== d))}
          />
        ))}
      </fieldset>
      <FieldRow>
        <NumberField
          label={t('sessions.form.minAge')}
          value={shape.minAge}
          onChange={(v) => set('minAge', v)}
          min={0}
          max={130}
          error={problems.minAge}
          required
        />
        <NumberField
          label={t('sessions.form.maxAge')}
          hint={t('sessions.form.maxAgeHint')}
          value={shape.maxAge}
          onChange={(v) => set('maxAge', v)}
          min={0}
          max={130}
          error={problems.maxAge}
        />
      </FieldRow>
      <FieldRow>
        <TimeField
          label={t('sessions.form.startsAt')}
          value={shape.startsAt}
          onChange={(v) => set('startsAt', v)}
          error={problems.startsAt}
        />
        <TimeField
          label={t('sessions.form.endsAt')}
          value={shape.endsAt}
          onChange={(v) => set('endsAt', v)}
          error={problems.endsAt}
        />
      </FieldRow>
      <FieldRow>
        <NumberField
          label={t('sessions.form.capacity')}
          hint={t('sessions.form.capacityHint')}
          value={shape.capacity}
          onChange={(v) => set('capacity', v)}
          min={1}
          max={10_000}
          error={problems.capacity}
          required
        />
        <SelectField
          label={t('sessions.form.slotMinutes')}
          hint={t('sessions.form.slotMinutesHint')}
          value={shape.slotMinutes}
          onChange={(v) => set('slotMinutes', v)}
          options={SLOT_LENGTHS.map((m) => ({
            value: m,
            label: m ? t('sessions.form.minutes', { n: f.number(Number(m)) }) : t('sessions.form.oneSlot'),
          }))}
        />
      </FieldRow>
    </>
  );
}

/** Plan one session on one day. */
export function SessionForm({
  facilityId,
  onCancel,
  onDone,
}: {
  facilityId: number;
  onCancel: () => void;
  onDone: (session: Session) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const sessionMessage = useSessionMessage();
  const products = useProducts();
  const root = useRef<HTMLDivElement>(null);
  const { shape, set, check, body } = useShape();
  const [today] = useState(programmeToday);
  const [date, setDate] = useState(today);
  const [problems, setProblems] = useState<Problems>({});
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/sessions', { body: { facilityId, date, ...body() } })),
    onSuccess: async (session) => {
      await queryClient.invalidateQueries({ queryKey: sessionKeys.all });
      onDone(session);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = check(products.data ?? []);
    if (!isValidIsoDate(date)) found.date = t('sessions.form.dateMissing');
    else if (date < today) found.date = t('sessions.form.datePast');
    setProblems(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => focusFirstProblem(root.current));
      return;
    }
    create.mutate();
  };
  return (
    <div ref={root} data-testid="session-form">
      <FormPanel
        title={t('sessions.form.singleTitle')}
        intro={t('sessions.form.singleIntro')}
        onSubmit={submit}
        onCancel={onCancel}
        submitLabel={t('sessions.form.createSingle')}
        pending={create.isPending}
      >
        {products.isPending && <Loading />}
        <ErrorAlert error={products.error} />
        <TextField
          type="date"
          label={t('sessions.form.date')}
          value={date}
          min={today}
          onChange={setDate}
          error={problems.date}
          className="field-narrow-date"
          required
        />
        <ShapeFields shape={shape} set={set} problems={problems} products={products.data ?? []} />
        <ErrorAlert error={create.error} localMessage={sessionMessage} />
      </FormPanel>
    </div>
  );
}

/** Plan the same session on chosen weekdays over a date range. */
export function TemplateForm({
  facilityId,
  onCancel,
  onDone,
}: {
  facilityId: number;
  onCancel: () => void;
  onDone: (result: { created: Session[]; skippedDates: string[]; from: string }) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const queryClient = useQueryClient();
  const sessionMessage = useSessionMessage();
  const products = useProducts();
  const root = useRef<HTMLDivElement>(null);
  const { shape, set, check, body } = useShape();
  const [today] = useState(programmeToday);
  const [from, setFrom] = useState(() => addDays(mondayOf(today), 7));
  const [to, setTo] = useState(() => addDays(mondayOf(today), 20));
  const [weekdays, setWeekdays] = useState<number[]>(DEFAULT_WEEKDAYS);
  const [problems, setProblems] = useState<Problems>({});
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/sessions/from-template', {
          body: { facilityId, from, to, weekdays: [...weekdays].sort((a, b) => a - b), ...body() },
        }),
      ),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: sessionKeys.all });
      onDone({ ...result, from });
    },
  });
  const days =
    isValidIsoDate(from) && isValidIsoDate(to) && to >= from
      ? Array.from({ length: Math.min(daysBetween(from, to) + 1, MAX_TEMPLATE_DAYS) }, (_, i) =>
          addDays(from, i),
        ).filter((d) => weekdays.includes(isoWeekday(d))).length
      : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = check(products.data ?? []);
    if (!isValidIsoDate(from)) found.from = t('sessions.form.dateMissing');
    else if (from < today) found.from = t('sessions.form.datePast');
    if (!isValidIsoDate(to)) found.to = t('sessions.form.dateMissing');
    else if (isValidIsoDate(from) && to < from) found.to = t('sessions.form.toBeforeFrom');
    else if (isValidIsoDate(from) && daysBetween(from, to) + 1 > MAX_TEMPLATE_DAYS)
      found.to = t('sessions.form.rangeTooLong', { days: f.number(MAX_TEMPLATE_DAYS) });
    if (weekdays.length === 0) found.weekdays = t('sessions.form.weekdaysMissing');
    setProblems(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => focusFirstProblem(root.current));
      return;
    }
    create.mutate();
  };
  return (
    <div ref={root} data-testid="template-form">
      <FormPanel
        title={t('sessions.form.templateTitle')}
        intro={t('sessions.form.templateIntro')}
        onSubmit={submit}
        onCancel={onCancel}
        submitLabel={t('sessions.form.createTemplate')}
        pending={create.isPending}
      >
        {products.isPending && <Loading />}
        <ErrorAlert error={products.error} />
        <FieldRow>
          <TextField
            type="date"
            label={t('sessions.form.from')}
            value={from}
            min={today}
            onChange={setFrom}
            error={problems.from}
            required
          />
          <TextField
            type="date"
            label={t('sessions.form.to')}
            value={to}
            min={from}
            onChange={setTo}
            error={problems.to}
            required
          />
        </FieldRow>
        <fieldset
          className="checkbox-group inline-options"
          data-invalid={problems.weekdays ? true : undefined}
        >
          <legend>{t('sessions.form.weekdays')}</legend>
          {problems.weekdays && <p className="field-error">{problems.weekdays}</p>}
          {WEEKDAYS.map((d) => (
            <CheckboxField
              key={d}
              label={f.weekdayName(d)}
              checked={weekdays.includes(d)}
              onChange={(on) => setWeekdays((w) => (on ? [...w, d] : w.filter((x) => x !== d)))}
            />
          ))}
        </fieldset>
        <ShapeFields shape={shape} set={set} problems={problems} products={products.data ?? []} />
        <p className="field-hint" aria-live="polite" data-testid="template-count">
          {t('sessions.form.templateCount', { count: days, n: f.number(days) })}
        </p>
        <ErrorAlert error={create.error} localMessage={sessionMessage} />
      </FormPanel>
    </div>
  );
}
