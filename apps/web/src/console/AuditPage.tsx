import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type AuditEvent } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { useDebounced } from '../ui/useDebounced.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';

const PAGE_SIZE = 100;

function actorOf(e: AuditEvent): string {
  if (e.actorUsername) return e.actorUsername;
  return e.actorId !== null ? `${e.actorKind} #${e.actorId}` : e.actorKind;
}

function detailsOf(e: AuditEvent): string {
  return Object.keys(e.details).length ? JSON.stringify(e.details) : '';
}

export function AuditPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.audit'));
  const [action, setAction] = useState('');
  const actionFilter = useDebounced(action.trim());
  // Pages are read newest first; each "older" step remembers where it started, so "newer" can go back.
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.at(-1);

  const events = useQuery({
    queryKey: ['audit', actionFilter, before ?? null],
    queryFn: () =>
      unwrap(
        api.GET('/api/audit-events', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(actionFilter ? { action: actionFilter } : {}),
              ...(before !== undefined ? { before } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const rows = events.data ?? [];
  const last = rows.at(-1);
  const heading = t('audit.listTitle');

  return (
    <>
      <h1>{t('console.sections.audit')}</h1>
      <p className="lead">{t('audit.intro')}</p>
      <div className="toolbar">
        <TextField
          className="toolbar-search"
          type="search"
          label={t('audit.action')}
          hint={t('audit.actionHint')}
          value={action}
          onChange={(v) => {
            setAction(v);
            setCursors([]);
          }}
          maxLength={80}
        />
      </div>
      <section aria-labelledby="audit-list-heading">
        <h2 id="audit-list-heading" className="visually-hidden">
          {heading}
        </h2>
        <ErrorAlert error={events.error} />
        {events.isPending && <Loading />}
        {events.data && rows.length === 0 && (
          <p className="empty">{cursors.length ? t('audit.noOlder') : t('audit.empty')}</p>
        )}
        {rows.length > 0 && (
          <TableWrap label={heading}>
            <table data-testid="audit-table" className="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t('audit.when')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.entity')}</th>
                  <th scope="col">{t('audit.area')}</th>
                  <th scope="col">{t('audit.details')}</th>
                  <th scope="col">{t('audit.requestId')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">
                      <time dateTime={e.occurredAt}>{f.dateTime(e.occurredAt)}</time>
                    </td>
                    <td>{actorOf(e)}</td>
                    <th scope="row">
                      <code>{e.action}</code>
                    </th>
                    <td className="nowrap">
                      {e.entityType ?? '—'}
                      {e.entityId && (
                        <>
                          {' '}
                          <code className="small">#{e.entityId}</code>
                        </>
                      )}
                    </td>
                    <td>{e.areaId !== null ? `#${e.areaId}` : '—'}</td>
                    <td className="details">{detailsOf(e) ? <code>{detailsOf(e)}</code> : '—'}</td>
                    <td>
                      <code className="small">{e.requestId ?? '—'}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {(cursors.length > 0 || rows.length === PAGE_SIZE) && (
          <Pager
            hasPrevious={cursors.length > 0}
            hasNext={rows.length === PAGE_SIZE && last !== undefined}
            previousLabel={t('audit.newer')}
            nextLabel={t('audit.older')}
            onPrevious={() => setCursors(cursors.slice(0, -1))}
            onNext={() => last && setCursors([...cursors, last.id])}
          />
        )}
      </section>
    </>
  );
}
