import { useState, type ReactNode } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { COMORBIDITIES, OCCUPATIONS } from '@dosewise/domain';
import { api, unwrap, type Person, type PersonCorrection } from '../api/client.ts';
import { currentLanguage } from '../i18n/index.ts';
import { PriorityStatusBadge, VerificationBadge } from '../registration/PersonStatus.tsx';
import { cardFilename, openPdfTab } from '../registration/pdf.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { NotFoundPage } from '../NotFoundPage.tsx';
import { CorrectionForm } from './CorrectionForm.tsx';
import { MaskedId } from './PeoplePage.tsx';
import { peopleKeys, useCorrections, usePerson } from './peopleQueries.ts';
import { AreaName } from './ScopeNames.tsx';
import { PersonDoses } from './PersonDoses.tsx';
import { PersonCertificatesPanel } from '../certificates/PersonCertificatesPanel.tsx';

export function PersonPage() {
  const { id } = useParams();
  const personId = Number(id);
  if (!Number.isInteger(personId) || personId <= 0) return <NotFoundPage />;
  return <PersonRecord key={personId} id={personId} />;
}

/**
 * Prints the card: a tab opens on the click itself (so no pop-up blocker stops it), then the PDF,
 * fetched with the staff token, is shown in it.
 */
export function usePrintCard() {
  const mutation = useMutation({
    mutationFn: async ({ person, tab }: { person: Person; tab: ReturnType<typeof openPdfTab> }) => {
      try {
        const blob = await unwrap(
          api.GET('/api/people/{id}/card.pdf', {
            params: { path: { id: person.id }, query: { locale: currentLanguage() } },
            parseAs: 'blob',
          }),
        );
        tab.show(blob, cardFilename(person.registrationNumber));
      } catch (e) {
        tab.cancel();
        throw e;
      }
    },
  });
  return {
    print: (person: Person) => mutation.mutate({ person, tab: openPdfTab() }),
    isPending: mutation.isPending,
    error: mutation.error,
  };
}

function PersonRecord({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const person = usePerson(id);
  const [correcting, setCorrecting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const print = usePrintCard();
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      unwrap(api.POST('/api/people/{id}/priority-decision', { params: { path: { id } }, body: { approve } })),
    onSuccess: (saved, approve) => {
      queryClient.setQueryData(peopleKeys.one(id), saved);
      void queryClient.invalidateQueries({ queryKey: ['people', 'search'] });
      setNotice(approve ? t('people.priority.approved') : t('people.priority.rejected'));
    },
  });
  const p = person.data;
  const name = p ? f.name({ nameEn: p.nameEn, nameBn: p.nameBn ?? '' }) : '';
  usePageTitle(name || t('console.sections.people'));

  const back =
    location.key !== 'default' ? (
      <button type="button" className="button link" onClick={() => void navigate(-1)}>
        {t('people.record.back')}
      </button>
    ) : (
      <Link to="/console/people">{t('people.record.back')}</Link>
    );

  if (person.error)
    return (
      <>
        <h1>{t('console.sections.people')}</h1>
        <ErrorAlert error={person.error} />
        <p>{back}</p>
      </>
    );
  if (!p) return <Loading />;

  return (
    <>
      <p className="back-link">{back}</p>
      <div className="record-head">
        <h1 data-testid="person-name">{name}</h1>
        <p className="record-sub">
          <code className="reg-number">{p.registrationNumber}</code>{' '}
          <VerificationBadge status={p.verificationStatus} />
        </p>
      </div>
      <p className="audit-note" data-testid="audit-note">
        {t('people.record.audited')}
      </p>
      <div className="toolbar">
        <div className="toolbar-actions toolbar-actions-start">
          <button
            type="button"
            className="button"
            disabled={print.isPending}
            onClick={() => print.print(p)}
            data-testid="print-card"
          >
            {print.isPending ? t('citizen.card.preparing') : t('people.record.printCard')}
          </button>
          <button
            type="button"
            className="button secondary"
            aria-expanded={correcting}
            onClick={() => {
              setNotice(null);
              setCorrecting(!correcting);
            }}
            data-testid="correct-details"
          >
            {t('people.record.correct')}
          </button>
        </div>
      </div>
      <ErrorAlert error={print.error} />
      {notice && <Notice>{notice}</Notice>}
      {correcting && (
        <CorrectionForm
          person={p}
          onCancel={() => setCorrecting(false)}
          onDone={(saved) => {
            setCorrecting(false);
            setNotice(saved ? t('people.correct.saved') : t('common.nothingChanged'));
          }}
        />
      )}

      {p.priorityStatus === 'awaiting_approval' && (
        <section
          className="panel decision"
          aria-labelledby="decision-heading"
          data-testid="priority-decision"
        >
          <h2 id="decision-heading">{t('people.priority.title')}</h2>
          <p>{t('people.priority.text', { group: f.name(p.priorityGroup) })}</p>
          <ErrorAlert error={decide.error} />
          <div className="actions">
            <button
              type="button"
              className="button"
              disabled={decide.isPending}
              onClick={() => decide.mutate(true)}
              data-testid="approve-priority"
            >
              {t('people.priority.approve')}
            </button>
            <button
              type="button"
              className="button danger"
              disabled={decide.isPending}
              onClick={() => decide.mutate(false)}
              data-testid="reject-priority"
            >
              {t('people.priority.reject')}
            </button>
          </div>
        </section>
      )}

      <PersonDetails person={p} />
      <PersonDoses id={id} />
      <PersonCertificatesPanel personId={id} registrationNumber={p.registrationNumber} />
      <CorrectionsHistory id={id} />
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function PersonDetails({ person: p }: { person: Person }) {
  const { t } = useTranslation();
  const f = useFormat();
  const bn = f.locale.startsWith('bn');
  const country = new Intl.DisplayNames([f.locale], { type: 'region', fallback: 'code' }).of(p.nationality);
  const occupation = OCCUPATIONS.find((o) => o.code === p.occupation);
  const conditions = p.comorbidities.map((code) => {
    const c = COMORBIDITIES.find((x) => x.code === code);
    return c ? (bn ? c.labelBn : c.labelEn) : code;
  });
  return (
    <section className="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">{t('people.record.details')}</h2>
      <dl className="facts facts-grid" data-testid="person-details">
        <Fact label={t('registration.fields.registrationNumber')}>
          <code>{p.registrationNumber}</code>
        </Fact>
        <Fact label={t('registration.details.nameEn')}>
          <span lang="en">{p.nameEn}</span>
        </Fact>
        <Fact label={t('registration.details.nameBn')}>
          {p.nameBn ? <span lang="bn">{p.nameBn}</span> : '—'}
        </Fact>
        <Fact label={t('registration.fields.dateOfBirth')}>{f.date(p.dateOfBirth)}</Fact>
        <Fact label={t('registration.details.gender')}>{t(`registration.genders.${p.gender}`)}</Fact>
        <Fact label={t('registration.fields.idDocument')}>
          {t(`registration.idTypes.${p.idType}`)} <MaskedId last4={p.idLast4} />
        </Fact>
        <Fact label={t('registration.fields.nationality')}>{country ?? p.nationality}</Fact>
        <Fact label={t('registration.fields.address')}>
          {p.addressLine && (
            <>
              {p.addressLine}
              <br />
            </>
          )}
          <AreaName id={p.areaId} />
        </Fact>
        <Fact label={t('registration.details.occupation')}>
          {occupation ? (bn ? occupation.labelBn : occupation.labelEn) : (p.occupation ?? '—')}
        </Fact>
        <Fact label={t('registration.details.conditions')}>
          {conditions.length ? conditions.join(', ') : '—'}
        </Fact>
        <Fact label={t('registration.fields.group')}>
          {f.name(p.priorityGroup)} <PriorityStatusBadge status={p.priorityStatus} />
        </Fact>
        <Fact label={t('registration.fields.centre')}>
          {p.preferredFacility ? f.name(p.preferredFacility) : '—'}
        </Fact>
        <Fact label={t('registration.centre.product')}>
          {p.preferredProduct?.name ?? t('registration.centre.noPreference')}
        </Fact>
        <Fact label={t('registration.fields.verification')}>
          <VerificationBadge status={p.verificationStatus} />
        </Fact>
        <Fact label={t('registration.fields.registered')}>
          {t(`people.record.via.${p.registeredVia}`, { when: f.dateTime(p.registeredAt) })}
        </Fact>
      </dl>
    </section>
  );
}

/** The person's columns as the corrections record them (database names). */
const CORRECTED_FIELDS = [
  'name_en',
  'name_bn',
  'date_of_birth',
  'gender',
  'area_id',
  'address_line',
] as const;
type CorrectedField = (typeof CORRECTED_FIELDS)[number];

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function CorrectionValue({ field, value }: { field: CorrectedField; value: unknown }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  switch (field) {
    case 'gender':
      return (
        <>
          {value === 'female' || value === 'male' || value === 'third_gender'
            ? t(`registration.genders.${value}`)
            : asText(value)}
        </>
      );
    case 'date_of_birth':
      return <>{typeof value === 'string' ? f.date(value) : asText(value)}</>;
    case 'area_id':
      return typeof value === 'number' ? <AreaName id={value} /> : <>{asText(value)}</>;
    case 'name_en':
    case 'name_bn':
    case 'address_line':
      return <>{asText(value)}</>;
  }
}

function CorrectionChanges({ correction }: { correction: PersonCorrection }) {
  const { t } = useTranslation();
  const before = asRecord(correction.changes.before);
  const after = asRecord(correction.changes.after);
  const fields = CORRECTED_FIELDS.filter((k) => k in after);
  return (
    <ul className="changes" role="list">
      {fields.map((k) => (
        <li key={k}>
          <span className="change-field">{t(`people.correct.fields.${k}`)}:</span>{' '}
          <del>
            <CorrectionValue field={k} value={before[k]} />
          </del>{' '}
          <span aria-hidden="true">→</span>
          <span className="visually-hidden">{t('people.correct.to')}</span>{' '}
          <ins>
            <CorrectionValue field={k} value={after[k]} />
          </ins>
        </li>
      ))}
    </ul>
  );
}

function CorrectionsHistory({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const corrections = useCorrections(id);
  const rows = corrections.data ?? [];
  const heading = t('people.correct.history');
  return (
    <section aria-labelledby="corrections-heading">
      <h2 id="corrections-heading">{heading}</h2>
      <ErrorAlert error={corrections.error} />
      {corrections.isPending && <Loading />}
      {corrections.data && rows.length === 0 && <p className="empty">{t('people.correct.none')}</p>}
      {rows.length > 0 && (
        <TableWrap label={heading}>
          <table data-testid="corrections-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('people.correct.changes')}</th>
                <th scope="col">{t('people.correct.reasonColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {[...rows].reverse().map((c) => (
                <tr key={c.id}>
                  <td className="nowrap">
                    <time dateTime={c.correctedAt}>{f.dateTime(c.correctedAt)}</time>
                  </td>
                  <td>{c.correctedBy ?? '—'}</td>
                  <td>
                    <CorrectionChanges correction={c} />
                  </td>
                  <td className="reason">{c.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
