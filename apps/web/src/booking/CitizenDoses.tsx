import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AefiReportForm } from '../aefi/AefiReportForm.tsx';
import { unwrap, type Person } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';

/** A family member's doses, and a side effect after one of them to report. */
export function CitizenDoses({ person }: { person: Person }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [reporting, setReporting] = useState(false);
  const doses = useQuery({
    queryKey: ['citizen', 'doses', person.id],
    queryFn: () =>
      unwrap(citizenApi.GET('/api/citizen/people/{id}/doses', { params: { path: { id: person.id } } })),
  });
  const live = (doses.data?.items ?? []).filter((d) => !d.voided);
  if (doses.error) return <ErrorAlert error={doses.error} />;
  if (!live.length) return null;
  return (
    <div className="citizen-doses stack" data-testid="citizen-doses">
      <p className="muted">{t('doses.title')}</p>
      <ul className="appointment-lines" role="list">
        {live.map((d) => (
          <li key={d.id}>
            {t('aefi.doseN', { n: f.number(d.doseNumber) })} · {d.productCode} ·{' '}
            {f.dateTime(d.administeredAt)}
            {d.facilityName && ` · ${d.facilityName}`}
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button secondary small"
        aria-expanded={reporting}
        onClick={() => setReporting(!reporting)}
        data-testid="citizen-report-aefi"
      >
        {t('aefi.form.open')}
      </button>
      {reporting && (
        <div className="panel">
          <h4>{t('aefi.form.title')}</h4>
          <p className="field-hint">{t('aefi.form.citizenIntro')}</p>
          <AefiReportForm
            doses={live.map((d) => ({
              id: d.id,
              label: `${t('aefi.doseN', { n: f.number(d.doseNumber) })} · ${d.productCode} · ${f.dateTime(d.administeredAt)}`,
            }))}
            send={(body) =>
              unwrap(
                citizenApi.POST('/api/citizen/people/{id}/aefi', {
                  params: { path: { id: person.id } },
                  body,
                }),
              )
            }
          />
        </div>
      )}
    </div>
  );
}
