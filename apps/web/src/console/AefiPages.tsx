import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AEFI_CAUSALITY, aefiSymptom } from '@dosewise/domain';
import { api, unwrap } from '../api/client.ts';
import type { AefiReport } from '../api/vaccination.ts';
import { useSessionState } from '../auth/session.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, SelectField, TextAreaField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { mayDo } from './permissions.ts';
import { Fact } from '../ui/Fact.tsx';

const INVESTIGATION_STATUSES = ['not_required', 'open', 'investigating', 'closed'] as const;
type Severity = 'non_serious' | 'serious';
type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

export const aefiKeys = {
  all: ['aefi'] as const,
  list: (filter: object) => ['aefi', 'list', filter] as const,
  one: (personId: number, id: number) => ['aefi', 'one', personId, id] as const,
  lots: ['aefi', 'lots'] as const,
};

/** A symptom code in the language shown. */
export function useSymptomName() {
  const { i18n } = useTranslation();
  return (code: string) => {
    const s = aefiSymptom(code);
    if (!s) return code;
    return i18n.resolvedLanguage === 'bn' ? s.bn : s.en;
  };
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const tone =
    status === 'open'
      ? 'badge-bad'
      : status === 'investigating'
        ? 'badge-warn'
        : status === 'closed'
          ? 'badge-ok'
          : 'badge-muted';
  return <span className={`badge ${tone}`}>{t(`aefi.status.${status}`, { defaultValue: status })}</span>;
}

/** Side-effect reports in scope, serious first to look at, and the reports per lot. */
export function AefiListPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.aefi'));
  const symptom = useSymptomName();
  const [severity, setSeverity] = useState<'' | Severity>('');
  const [status, setStatus] = useState<'' | InvestigationStatus>('');
  const filter = { ...(severity ? { severity } : {}), ...(status ? { status } : {}) };
  const list = useQuery({
    queryKey: aefiKeys.list(filter),
    queryFn: () => unwrap(api.GET('/api/aefi', { params: { query: { ...filter, limit: 200 } } })),
  });
  return (
    <>
      <h1>{t('console.sections.aefi')}</h1>
      <p className="lead">{t('aefi.intro')}</p>
      <div className="toolbar">
        <div className="toolbar-filters">
          <SelectField
            className="field-narrow"
            label={t('aefi.severity')}
            value={severity}
            onChange={(v) => setSeverity(v as '' | Severity)}
            options={[
              { value: '', label: t('aefi.all') },
              { value: 'serious', label: t('aefi.severities.serious') },
              { value: 'non_serious', label: t('aefi.severities.non_serious') },
            ]}
          />
          <SelectField
            className="field-narrow"
            label={t('aefi.investigation')}
            value={status}
            onChange={(v) => setStatus(v as '' | InvestigationStatus)}
            options={[
              { value: '', label: t('aefi.all') },
              ...INVESTIGATION_STATUSES.map((s) => ({ value: s, label: t(`aefi.status.${s}`) })),
            ]}
          />
        </div>
      </div>
      <ErrorAlert error={list.error} />
      {list.isPending && <Loading />}
      {list.data?.items.length === 0 && <p className="empty">{t('aefi.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <TableWrap label={t('console.sections.aefi')}>
          <table data-testid="aefi-list">
            <thead>
              <tr>
                <th scope="col">{t('aefi.reported')}</th>
                <th scope="col">{t('aefi.person')}</th>
                <th scope="col">{t('aefi.dose')}</th>
                <th scope="col">{t('aefi.symptoms')}</th>
                <th scope="col">{t('aefi.severity')}</th>
                <th scope="col">{t('aefi.investigation')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <tr key={`${r.personId}-${r.id}`}>
                  <td className="nowrap">
                    <Link to={`/console/aefi/${r.personId}/${r.id}`}>{f.dateTime(r.createdAt)}</Link>
                  </td>
                  <td>
                    {r.nameEn} <code className="muted">{r.registrationNumber}</code>
                  </td>
                  <td>
                    {r.productCode} · {t('aefi.doseN', { n: f.number(r.doseNumber) })}
                    {r.lotNumber && (
                      <>
                        {' · '}
                        <code>{r.lotNumber}</code>
                      </>
                    )}
                  </td>
                  <td>{r.symptoms.map(symptom).join(', ')}</td>
                  <td>
                    <span className={`badge ${r.severity === 'serious' ? 'badge-bad' : 'badge-muted'}`}>
                      {t(`aefi.severities.${r.severity}`, { defaultValue: r.severity })}
                    </span>
                  </td>
                  <td>
                    <StatusBadge status={r.investigationStatus} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <LotSignals />
    </>
  );
}

/** Reports per lot, so that a bad lot shows up. */
function LotSignals() {
  const { t } = useTranslation();
  const f = useFormat();
  const lots = useQuery({ queryKey: aefiKeys.lots, queryFn: () => unwrap(api.GET('/api/aefi/lots')) });
  return (
    <section aria-labelledby="aefi-lots-heading">
      <h2 id="aefi-lots-heading">{t('aefi.byLot')}</h2>
      <ErrorAlert error={lots.error} />
      {lots.data?.items.length === 0 && <p className="empty">{t('aefi.none')}</p>}
      {lots.data && lots.data.items.length > 0 && (
        <TableWrap label={t('aefi.byLot')}>
          <table data-testid="aefi-lots">
            <thead>
              <tr>
                <th scope="col">{t('aefi.lot')}</th>
                <th scope="col" className="num">
                  {t('aefi.reports')}
                </th>
                <th scope="col" className="num">
                  {t('aefi.seriousCount')}
                </th>
                <th scope="col" className="num">
                  {t('aefi.dosesGiven')}
                </th>
                <th scope="col" className="num">
                  {t('aefi.per10000')}
                </th>
              </tr>
            </thead>
            <tbody>
              {lots.data.items.map((l) => (
                <tr key={l.lotId}>
                  <th scope="row">
                    {l.productCode} <code>{l.lotNumber}</code>
                  </th>
                  <td className="num">{f.number(l.reports)}</td>
                  <td className="num">{f.number(l.serious)}</td>
                  <td className="num">{f.number(l.dosesGiven)}</td>
                  <td className="num">
                    {l.reportsPer10000 === null ? '—' : f.number(Math.round(l.reportsPer10000 * 10) / 10)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

/** One report and its investigation: status, notes and, at the close, the causality. */
export function AefiPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const symptom = useSymptomName();
  const params = useParams();
  const personId = Number(params.personId);
  const id = Number(params.id);
  usePageTitle(t('aefi.title'));
  const user = useSessionState().session?.user;
  const report = useQuery({
    queryKey: aefiKeys.one(personId, id),
    queryFn: () => unwrap(api.GET('/api/aefi/{personId}/{id}', { params: { path: { personId, id } } })),
  });
  const r = report.data;
  if (report.error) return <ErrorAlert error={report.error} />;
  if (!r) return <Loading />;
  return (
    <>
      <p className="back-link">
        <Link to="/console/aefi">{t('aefi.back')}</Link>
      </p>
      <h1>{t('aefi.title')}</h1>
      <dl className="facts" data-testid="aefi-report">
        <Fact label={t('aefi.person')}>
          <Link to={`/console/people/${r.personId}`}>{r.nameEn}</Link> <code>{r.registrationNumber}</code>
        </Fact>
        <Fact label={t('aefi.dose')}>
          {r.productCode} · {t('aefi.doseN', { n: f.number(r.doseNumber) })} · {r.facilityName ?? '—'}
        </Fact>
        <Fact label={t('aefi.lot')}>{r.lotNumber ? <code>{r.lotNumber}</code> : '—'}</Fact>
        <Fact label={t('aefi.symptoms')}>{r.symptoms.map(symptom).join(', ')}</Fact>
        <Fact label={t('aefi.onset')}>{f.dateTime(r.onsetAt)}</Fact>
        <Fact label={t('aefi.severity')}>
          {t(`aefi.severities.${r.severity}`, { defaultValue: r.severity })}
          {r.seriousCriteria.length > 0 &&
            ` (${r.seriousCriteria.map((c) => t(`aefi.criteria.${c}`, { defaultValue: c })).join(', ')})`}
        </Fact>
        <Fact label={t('aefi.outcome')}>{t(`aefi.outcomes.${r.outcome}`, { defaultValue: r.outcome })}</Fact>
        <Fact label={t('aefi.reportedVia')}>
          {t(`aefi.via.${r.reportedVia}`, { defaultValue: r.reportedVia })}
        </Fact>
        {r.description && (
          <>
            <Fact label={t('aefi.description')}>{r.description}</Fact>
          </>
        )}
        <Fact label={t('aefi.investigation')} testId="investigation-status">
          <StatusBadge status={r.investigationStatus} />
          {r.causality && ` · ${t(`aefi.causality.${r.causality}`, { defaultValue: r.causality })}`}
        </Fact>
      </dl>
      {r.events.length > 0 && (
        <section aria-labelledby="events-heading">
          <h2 id="events-heading">{t('aefi.notes')}</h2>
          <ol className="stack plain-list" data-testid="investigation-events">
            {r.events.map((e, i) => (
              <li key={i}>
                <StatusBadge status={e.status} /> <span className="muted">{f.dateTime(e.createdAt)}</span>
                {e.recordedBy && <span className="muted"> · {e.recordedBy}</span>}
                <p>{e.note}</p>
                {e.causality && <p>{t(`aefi.causality.${e.causality}`, { defaultValue: e.causality })}</p>}
              </li>
            ))}
          </ol>
        </section>
      )}
      {mayDo(user, 'aefi.investigate') && <InvestigationForm report={r} />}
    </>
  );
}

function InvestigationForm({ report }: { report: AefiReport }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<'open' | 'investigating' | 'closed'>(
    report.investigationStatus === 'open' ? 'investigating' : 'closed',
  );
  const [note, setNote] = useState('');
  const [causality, setCausality] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/aefi/{personId}/{id}/investigation', {
          params: { path: { personId: report.personId, id: report.id } },
          body: {
            status,
            note: note.trim(),
            ...(causality ? { causality: causality as (typeof AEFI_CAUSALITY)[number] } : {}),
          },
        }),
      ),
    onSuccess: () => {
      setNote('');
      void queryClient.invalidateQueries({ queryKey: aefiKeys.all });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (note.trim().length < 3) return setProblem(t('aefi.noteNeeded'));
    if (status === 'closed' && !causality) return setProblem(t('aefi.causalityNeeded'));
    save.mutate();
  };
  return (
    <section className="panel" aria-labelledby="investigate-heading">
      <h2 id="investigate-heading">{t('aefi.investigate')}</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <FieldRow>
          <SelectField
            label={t('aefi.newStatus')}
            value={status}
            onChange={(v) => setStatus(v as typeof status)}
            options={(['open', 'investigating', 'closed'] as const).map((s) => ({
              value: s,
              label: t(`aefi.status.${s}`),
            }))}
          />
          {status === 'closed' && (
            <SelectField
              label={t('aefi.causalityLabel')}
              value={causality}
              onChange={setCausality}
              options={[
                { value: '', label: t('stock.choose') },
                ...AEFI_CAUSALITY.map((c) => ({ value: c, label: t(`aefi.causality.${c}`) })),
              ]}
            />
          )}
        </FieldRow>
        <TextAreaField
          label={t('aefi.note')}
          value={note}
          onChange={setNote}
          rows={3}
          maxLength={2000}
          prose
        />
        {problem && (
          <p className="alert" role="alert">
            {problem}
          </p>
        )}
        <ErrorAlert error={save.error} />
        {save.isSuccess && <Notice>{t('aefi.saved')}</Notice>}
        <div className="actions">
          <button type="submit" className="button" disabled={save.isPending}>
            {t('aefi.saveInvestigation')}
          </button>
        </div>
      </form>
    </section>
  );
}
