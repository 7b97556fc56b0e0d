import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AEFI_SERIOUS_CRITERIA, AEFI_SYMPTOMS, type AefiCategory } from '@dosewise/domain';
import { AEFI_OUTCOMES, type AefiBody, type AefiOutcome } from '../api/vaccination.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, FieldRow, RadioGroupField, SelectField, TextAreaField } from '../ui/fields.tsx';
import { Notice } from '../ui/Notice.tsx';

const CATEGORIES: AefiCategory[] = [
  'local',
  'systemic',
  'allergic',
  'neurological',
  'special_interest',
  'other',
];

export interface DoseChoice {
  id: number;
  label: string;
}

/** Local date and time now, as a datetime-local input shows it. */
function nowLocal(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

/**
 * A side effect after a dose (AEFI), by a citizen for a family member or by staff: symptoms from
 * the coded WHO list, onset, severity (and why it is serious), outcome.
 */
export function AefiReportForm({
  doses,
  send,
  onDone,
}: {
  doses: DoseChoice[];
  send: (body: AefiBody) => Promise<unknown>;
  onDone?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const bn = i18n.resolvedLanguage === 'bn';
  const [doseId, setDoseId] = useState(doses[0] ? String(doses[0].id) : '');
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const [onset, setOnset] = useState(nowLocal);
  const [severity, setSeverity] = useState<'non_serious' | 'serious'>('non_serious');
  const [criteria, setCriteria] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<AefiOutcome>('recovering');
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const suggestsSerious = symptoms.some((c) => AEFI_SYMPTOMS.find((s) => s.code === c)?.usuallySerious);

  const toggle = (list: string[], code: string, on: boolean) =>
    on ? [...list.filter((c) => c !== code), code] : list.filter((c) => c !== code);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setError(null);
    if (!doseId) return setProblem(t('aefi.form.chooseDose'));
    if (!symptoms.length) return setProblem(t('aefi.form.chooseSymptom'));
    const onsetAt = new Date(onset);
    if (Number.isNaN(onsetAt.getTime()) || onsetAt.getTime() > Date.now() + 60_000)
      return setProblem(t('aefi.form.onsetPast'));
    if (severity === 'serious' && !criteria.length) return setProblem(t('aefi.form.chooseCriteria'));
    setBusy(true);
    try {
      await send({
        doseId: Number(doseId),
        symptoms,
        onsetAt: onsetAt.toISOString(),
        severity,
        ...(severity === 'serious' ? { seriousCriteria: criteria as AefiBody['seriousCriteria'] } : {}),
        outcome,
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setDone(true);
      onDone?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (done)
    return <Notice>{severity === 'serious' ? t('aefi.form.savedSerious') : t('aefi.form.saved')}</Notice>;
  if (!doses.length) return <p className="empty">{t('aefi.form.noDoses')}</p>;

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} noValidate data-testid="aefi-form">
      <SelectField
        label={t('aefi.form.dose')}
        value={doseId}
        onChange={setDoseId}
        options={doses.map((d) => ({ value: String(d.id), label: d.label }))}
      />
      <fieldset className="checkbox-group">
        <legend>{t('aefi.symptoms')}</legend>
        {CATEGORIES.map((cat) => {
          const items = AEFI_SYMPTOMS.filter((s) => s.category === cat);
          if (!items.length) return null;
          return (
            <div key={cat} className="checkbox-columns">
              <p className="field-hint">
                <strong>{t(`aefi.categories.${cat}`)}</strong>
              </p>
              {items.map((s) => (
                <CheckboxField
                  key={s.code}
                  label={bn ? s.bn : s.en}
                  checked={symptoms.includes(s.code)}
                  onChange={(on) => setSymptoms(toggle(symptoms, s.code, on))}
                />
              ))}
            </div>
          );
        })}
      </fieldset>
      <FieldRow>
        <div className="field">
          <label htmlFor="aefi-onset">{t('aefi.onset')}</label>
          <input
            id="aefi-onset"
            type="datetime-local"
            value={onset}
            onChange={(e) => setOnset(e.target.value)}
          />
        </div>
        <SelectField
          label={t('aefi.outcome')}
          value={outcome}
          onChange={(v) => setOutcome(v as AefiOutcome)}
          options={AEFI_OUTCOMES.map((o) => ({ value: o, label: t(`aefi.outcomes.${o}`) }))}
        />
      </FieldRow>
      <RadioGroupField
        legend={t('aefi.severity')}
        hint={suggestsSerious ? t('aefi.form.suggestsSerious') : undefined}
        value={severity}
        onChange={(v) => setSeverity(v as 'non_serious' | 'serious')}
        options={[
          { value: 'non_serious', label: t('aefi.severities.non_serious') },
          { value: 'serious', label: t('aefi.severities.serious'), hint: t('aefi.form.seriousHint') },
        ]}
      />
      {severity === 'serious' && (
        <fieldset className="checkbox-group">
          <legend>{t('aefi.form.criteria')}</legend>
          {AEFI_SERIOUS_CRITERIA.map((c) => (
            <CheckboxField
              key={c}
              label={t(`aefi.criteria.${c}`)}
              checked={criteria.includes(c)}
              onChange={(on) => setCriteria(toggle(criteria, c, on))}
            />
          ))}
        </fieldset>
      )}
      <TextAreaField
        label={t('aefi.description')}
        value={description}
        onChange={setDescription}
        rows={3}
        maxLength={2000}
        prose
      />
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy} data-testid="aefi-submit">
          {t('aefi.form.submit')}
        </button>
      </div>
    </form>
  );
}
