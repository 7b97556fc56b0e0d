import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportReport } from '../api/client.ts';
import { useFormat } from './format.ts';
import { TableWrap } from './TableWrap.tsx';

export function ImportReportView({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  const f = useFormat();
  const headingId = useId();
  return (
    <section className="import-report" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('import.report')}</h3>
      <dl className="stats">
        <div>
          <dt>{t('import.total')}</dt>
          <dd>{f.number(report.total)}</dd>
        </div>
        <div>
          <dt>{t('import.created')}</dt>
          <dd>{f.number(report.created)}</dd>
        </div>
        <div>
          <dt>{t('import.updated')}</dt>
          <dd>{f.number(report.updated)}</dd>
        </div>
        <div className={report.rejected ? 'stat-bad' : undefined}>
          <dt>{t('import.rejected')}</dt>
          <dd>{f.number(report.rejected)}</dd>
        </div>
      </dl>
      {report.errors.length === 0 ? (
        <p>{t('import.noErrors')}</p>
      ) : (
        <TableWrap label={t('import.problems')}>
          <table>
            <caption>{t('import.problems')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('import.row')}</th>
                <th scope="col">{t('import.code')}</th>
                <th scope="col">{t('import.field')}</th>
                <th scope="col">{t('import.message')}</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((e, i) => (
                <tr key={`${e.row}-${i}`}>
                  <td className="num">{f.number(e.row)}</td>
                  <td>{e.code ?? '—'}</td>
                  <td>{e.field ?? '—'}</td>
                  <td lang="en">{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
