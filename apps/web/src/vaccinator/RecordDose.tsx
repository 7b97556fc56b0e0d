import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../api/client.ts';
import {
  BODY_SITES,
  type BodySite,
  type FacilityPack,
  type IdentityCheck,
  type SyncRecord,
} from '../api/vaccination.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { CheckboxField, FieldRow, RadioGroupField, SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { slipCodeHash, type Candidate } from './candidate.ts';
import { programmeToday } from '../scheduling/format.ts';
import { queueDose, useSyncState } from './sync.ts';
import { Fact } from '../ui/Fact.tsx';

type Outcome = { kind: 'stored' } | { kind: 'queued' } | { kind: 'review'; reason: string };

/** The person found, the dose due, identity and consent, and the dose given. */
export function RecordDose({
  candidate: c,
  pack,
  facilityId,
  userId,
  onDone,
  onBack,
}: {
  candidate: Candidate;
  pack: FacilityPack | null;
  facilityId: number;
  userId: number;
  onDone: (personId: number) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const { online } = useSyncState();
  const today = programmeToday();
  const due = c.due;
  const products = (pack?.products ?? []).filter(
    (p) => !due?.productIds.length || due.productIds.includes(p.id),
  );
  const checks: IdentityCheck[] = [
    ...(c.cardVerified ? (['card_qr'] as const) : []),
    ...(c.appointment ? (['slip_code'] as const) : []),
    'id_document',
  ];
  const [identity, setIdentity] = useState<IdentityCheck>(checks[0] ?? 'id_document');
  const [code, setCode] = useState('');
  const [idSeen, setIdSeen] = useState(false);
  const [consent, setConsent] = useState(false);
  const [productId, setProductId] = useState(
    products.length === 1 && products[0] ? String(products[0].id) : '',
  );
  const lots = (pack?.lots ?? []).filter(
    (l) => String(l.productId) === productId && l.expiresOn >= today && l.quantity > 0,
  );
  const [lotId, setLotId] = useState('');
  const [bodySite, setBodySite] = useState<BodySite>('left_deltoid');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const chosenLot = lots.some((l) => String(l.lotId) === lotId)
    ? lotId
    : lots.length === 1 && lots[0]
      ? String(lots[0].lotId)
      : '';

  const check = async (): Promise<Record<string, string>> => {
    const p: Record<string, string> = {};
    if (identity === 'slip_code') {
      if (!/^\d{4}$/.test(code.trim())) p.code = t('vaccinator.record.codeFormat');
      else if (c.appointment?.slipCodeHash) {
        const hash = await slipCodeHash(c.appointment.appointmentId, code.trim());
        if (hash !== c.appointment.slipCodeHash) p.code = t('vaccinator.record.codeWrong');
      } else if (!online) p.code = t('vaccinator.record.codeUnchecked');
    }
    if (identity === 'id_document' && !idSeen) p.idSeen = t('vaccinator.record.idRequired');
    if (!consent) p.consent = t('vaccinator.record.consentRequired');
    if (!productId) p.product = t('vaccinator.record.productRequired');
    if (!chosenLot) p.lot = t('vaccinator.record.lotRequired');
    return p;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!due) return;
    setError(null);
    setBusy(true);
    try {
      const p = await check();
      setProblems(p);
      if (Object.keys(p).length) return;
      const record: SyncRecord = {
        clientId: crypto.randomUUID(),
        personId: c.personId,
        facilityId,
        productId: Number(productId),
        lotId: Number(chosenLot),
        doseNumber: due.doseNumber,
        bodySite,
        identityCheck: identity,
        consent: true,
        ...(c.appointment ? { appointmentId: c.appointment.appointmentId } : {}),
        administeredAt: new Date().toISOString(),
      };
      if (!navigator.onLine) {
        await queueDose(userId, record, c.registrationNumber);
        setOutcome({ kind: 'queued' });
        return;
      }
      try {
        const answer = await unwrap(
          api.POST('/api/people/{id}/doses', {
            params: { path: { id: c.personId } },
            body: {
              facilityId: record.facilityId,
              productId: record.productId,
              lotId: record.lotId,
              doseNumber: record.doseNumber,
              bodySite: record.bodySite,
              identityCheck: record.identityCheck,
              consent: true,
              clientId: record.clientId,
              administeredAt: record.administeredAt,
              ...(record.appointmentId ? { appointmentId: record.appointmentId } : {}),
              ...(identity === 'slip_code' ? { slipCode: code.trim() } : {}),
              ...(c.walkIn ? { walkIn: true } : {}),
            },
          }),
        );
        setOutcome(
          'review' in answer ? { kind: 'review', reason: answer.review.reason } : { kind: 'stored' },
        );
      } catch (err) {
        // The connection dropped on the way: the dose is kept here and uploaded later, under the same id.
        if (err instanceof ApiError && err.status === 0) {
          await queueDose(userId, record, c.registrationNumber);
          setOutcome({ kind: 'queued' });
        } else throw err;
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (outcome)
    return (
      <section className="panel stack" data-testid="dose-outcome" data-outcome={outcome.kind}>
        <Notice tone={outcome.kind === 'stored' ? 'success' : 'info'}>
          {outcome.kind === 'stored'
            ? t('vaccinator.record.stored')
            : outcome.kind === 'queued'
              ? t('vaccinator.record.queued')
              : t('vaccinator.record.review', {
                  reason: t(`reviews.reasons.${outcome.reason}`, { defaultValue: outcome.reason }),
                })}
        </Notice>
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => onDone(c.personId)}
            data-testid="next-person"
          >
            {t('vaccinator.record.next')}
          </button>
        </div>
      </section>
    );

  return (
    <section className="stack" aria-labelledby="person-heading">
      <div>
        <button type="button" className="button secondary small" onClick={onBack}>
          {t('vaccinator.back')}
        </button>
      </div>
      <div className="panel person-card" data-testid="candidate">
        <h1 id="person-heading">{f.name({ nameEn: c.nameEn, nameBn: c.nameBn ?? '' })}</h1>
        <dl className="facts">
          <Fact label={t('registration.fields.registrationNumber')}>
            <code>{c.registrationNumber}</code>
          </Fact>
          {c.age !== null && (
            <>
              <Fact label={t('vaccinator.age')}>{f.number(c.age)}</Fact>
            </>
          )}
          {c.birthYear !== null && (
            <>
              <Fact label={t('vaccinator.birthYear')}>
                {new Intl.NumberFormat(f.locale, { useGrouping: false }).format(c.birthYear)}
              </Fact>
            </>
          )}
          <Fact label={t('vaccinator.gender')}>
            {t(`registration.genders.${c.gender}`, { defaultValue: c.gender })}
          </Fact>
        </dl>
        {c.cardVerified && <span className="badge badge-ok">{t('vaccinator.card.verified')}</span>}{' '}
        {c.walkIn && <span className="badge badge-info">{t('vaccinator.walkIn.badge')}</span>}{' '}
        {c.fromPack && <span className="badge badge-muted">{t('vaccinator.fromPack')}</span>}
      </div>

      <div className="panel" data-testid="due-dose">
        <h2>{t('vaccinator.due.title')}</h2>
        {due ? (
          <>
            <p>
              <strong>{t('vaccinator.doseN', { n: f.number(due.doseNumber) })}</strong>
              {due.earliestDate && ` · ${t('vaccinator.due.from', { date: f.date(due.earliestDate) })}`}
            </p>
            {due.eligible ? (
              <span className="badge badge-ok" data-testid="eligible">
                {t('vaccinator.due.eligible')}
              </span>
            ) : (
              <p className="alert" role="alert" data-testid="not-eligible">
                {t('vaccinator.due.notEligible', {
                  reason: due.reason
                    ? t(`vaccinator.due.reasons.${due.reason}`, { defaultValue: due.reason })
                    : '',
                })}
              </p>
            )}
          </>
        ) : (
          <p className="empty" data-testid="no-dose-due">
            {t('vaccinator.due.none')}{' '}
            {c.noDueReason && t(`vaccinator.due.reasons.${c.noDueReason}`, { defaultValue: c.noDueReason })}
          </p>
        )}
        {c.doses && c.doses.length > 0 && <History doses={c.doses} />}
      </div>

      {due?.eligible && (
        <form className="panel stack" onSubmit={(e) => void submit(e)} noValidate>
          <h2>{t('vaccinator.record.title')}</h2>
          <RadioGroupField
            legend={t('vaccinator.record.identity')}
            value={identity}
            onChange={(v) => setIdentity(v as IdentityCheck)}
            options={checks.map((k) => ({ value: k, label: t(`vaccinator.identity.${k}`) }))}
          />
          {identity === 'slip_code' && (
            <TextField
              label={t('vaccinator.record.code')}
              value={code}
              onChange={setCode}
              inputMode="numeric"
              maxLength={4}
              pattern="[0-9]{4}"
              error={problems.code}
              autoComplete="off"
              big
            />
          )}
          {identity === 'id_document' && (
            <CheckboxField
              label={t('vaccinator.record.idSeen')}
              checked={idSeen}
              onChange={setIdSeen}
              error={problems.idSeen}
            />
          )}
          <CheckboxField
            label={t('vaccinator.record.consent')}
            checked={consent}
            onChange={setConsent}
            error={problems.consent}
          />
          <FieldRow>
            <SelectField
              label={t('vaccinator.record.product')}
              value={productId}
              onChange={(v) => {
                setProductId(v);
                setLotId('');
              }}
              error={problems.product}
              options={[
                { value: '', label: t('vaccinator.record.choose') },
                ...products.map((p) => ({ value: String(p.id), label: p.name })),
              ]}
            />
            <SelectField
              label={t('vaccinator.record.lot')}
              value={chosenLot}
              onChange={setLotId}
              error={problems.lot}
              options={[
                { value: '', label: t('vaccinator.record.choose') },
                ...lots.map((l) => ({
                  value: String(l.lotId),
                  label: t('vaccinator.record.lotOption', {
                    lot: l.lotNumber,
                    date: f.date(l.expiresOn),
                    n: f.number(l.quantity),
                  }),
                })),
              ]}
            />
            <SelectField
              label={t('vaccinator.record.bodySite')}
              value={bodySite}
              onChange={(v) => setBodySite(v as BodySite)}
              options={BODY_SITES.map((s) => ({ value: s, label: t(`vaccinator.bodySites.${s}`) }))}
            />
          </FieldRow>
          {productId && lots.length === 0 && <p className="alert">{t('vaccinator.record.noLots')}</p>}
          {!online && <p className="muted">{t('vaccinator.record.offlineNote')}</p>}
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="submit" className="button" disabled={busy} data-testid="record-dose">
              {t('vaccinator.record.submit', { n: f.number(due.doseNumber) })}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function History({ doses }: { doses: NonNullable<Candidate['doses']> }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <TableWrap label={t('vaccinator.history')}>
      <table data-testid="dose-history">
        <caption>{t('vaccinator.history')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('vaccinator.dose')}</th>
            <th scope="col">{t('vaccinator.record.product')}</th>
            <th scope="col">{t('vaccinator.record.lot')}</th>
            <th scope="col">{t('vaccinator.when')}</th>
            <th scope="col">{t('vaccinator.where')}</th>
          </tr>
        </thead>
        <tbody>
          {doses.map((d) => (
            <tr key={d.id} className={d.voided ? 'muted' : undefined}>
              <td>{f.number(d.doseNumber)}</td>
              <td>{d.productCode}</td>
              <td>{d.lotNumber ?? '—'}</td>
              <td className="nowrap">{f.dateTime(d.administeredAt)}</td>
              <td>{d.facilityName ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
