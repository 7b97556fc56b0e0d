import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AefiReportForm } from '../aefi/AefiReportForm.tsx';
import { api, unwrap } from '../api/client.ts';
import type { DoseView } from '../api/vaccination.ts';
import { useSessionState } from '../auth/session.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { aefiKeys } from './AefiPages.tsx';
import { mayDo } from './permissions.ts';

export const doseKeys = { person: (id: number) => ['doses', 'person', id] as const };

/** The doses a person has had (corrections and voided records shown too), and a side effect to report. */
export function PersonDoses({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const user = useSessionState().session?.user;
  const [reporting, setReporting] = useState(false);
  const doses = useQuery({
    queryKey: doseKeys.person(id),
    queryFn: () => unwrap(api.GET('/api/people/{id}/doses', { params: { path: { id } } })),
  });
  const items = doses.data?.items ?? [];
  const live = items.filter((d) => !d.voided);
  return (
    <section className="panel" aria-labelledby="doses-heading" data-testid="person-doses">
      <div className="panel-head">
        <h2 id="doses-heading">{t('doses.title')}</h2>
        {mayDo(user, 'aefi.write') && live.length > 0 && (
          <button
            type="button"
            className="button secondary small"
            aria-expanded={reporting}
            onClick={() => setReporting(!reporting)}
            data-testid="report-aefi"
          >
            {t('aefi.form.open')}
          </button>
        )}
      </div>
      <ErrorAlert error={doses.error} />
      {doses.isPending && <Loading />}
      {doses.data && items.length === 0 && <p className="empty">{t('doses.none')}</p>}
      {items.length > 0 && (
        <TableWrap label={t('doses.title')}>
          <table data-testid="doses-table">
            <thead>
              <tr>
                <th scope="col">{t('doses.dose')}</th>
                <th scope="col">{t('doses.product')}</th>
                <th scope="col">{t('doses.lot')}</th>
                <th scope="col">{t('doses.when')}</th>
                <th scope="col">{t('doses.where')}</th>
                <th scope="col">{t('doses.source')}</th>
                <th scope="col">{t('doses.state')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <DoseRow key={d.id} dose={d} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {reporting && (
        <div className="panel">
          <h3>{t('aefi.form.title')}</h3>
          <AefiReportForm
            doses={live.map((d) => ({
              id: d.id,
              label: `${t('aefi.doseN', { n: f.number(d.doseNumber) })} · ${d.productCode} · ${f.dateTime(d.administeredAt)}`,
            }))}
            send={(body) => unwrap(api.POST('/api/people/{id}/aefi', { params: { path: { id } }, body }))}
            onDone={() => void queryClient.invalidateQueries({ queryKey: aefiKeys.all })}
          />
        </div>
      )}
    </section>
  );
}

function DoseRow({ dose: d }: { dose: DoseView }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <tr className={d.voided ? 'muted' : undefined} data-testid={`dose-${d.doseNumber}`}>
      <td>{f.number(d.doseNumber)}</td>
      <td>{d.productCode}</td>
      <td>{d.lotNumber ? <code>{d.lotNumber}</code> : '—'}</td>
      <td className="nowrap">{f.dateTime(d.administeredAt)}</td>
      <td>{d.facilityName ?? '—'}</td>
      <td>{t(`doses.sources.${d.source}`, { defaultValue: d.source })}</td>
      <td>
        {d.voided ? (
          <span className="badge badge-muted">
            {t('doses.voided')}
            {d.correction && `: ${d.correction.reason}`}
          </span>
        ) : d.flags.length > 0 ? (
          d.flags.map((fl) => (
            <span key={fl} className="badge badge-warn">
              {t(`doses.flags.${fl}`, { defaultValue: fl })}
            </span>
          ))
        ) : (
          <span className="badge badge-ok">{t('doses.recorded')}</span>
        )}
      </td>
    </tr>
  );
}
