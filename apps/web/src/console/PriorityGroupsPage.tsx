import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, csvUpload, unwrap, type PriorityGroup } from '../api/client.ts';
import { useSessionState } from '../auth/session.ts';
import { usePriorityGroups } from '../registration/queries.ts';
import { CsvImport } from '../ui/CsvImport.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Panel } from '../ui/FormPanel.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { PriorityGroupForm } from './PriorityGroupForm.tsx';

const ROSTER_CSV_COLUMNS = 'id_type,id_number';

type PanelState =
  | { kind: 'none' }
  | { kind: 'add' }
  | { kind: 'edit'; group: PriorityGroup }
  | { kind: 'roster'; group: PriorityGroup };

export function PriorityGroupsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.priorityGroups'));
  const groups = usePriorityGroups();
  const user = useSessionState().session?.user;
  const nationalAdmin = user?.grants.some((g) => g.role === 'national_admin') ?? false;
  const [panel, setPanel] = useState<PanelState>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);
  const rows = [...(groups.data ?? [])].sort((a, b) => a.rank - b.rank || a.code.localeCompare(b.code));
  const heading = t('groups.listTitle');

  const openPanel = (next: PanelState) => {
    setNotice(null);
    setPanel(next);
  };

  const ages = (g: PriorityGroup) =>
    g.maxAgeYears === null
      ? t('groups.agesFrom', { min: f.number(g.minAgeYears) })
      : t('groups.agesRange', { min: f.number(g.minAgeYears), max: f.number(g.maxAgeYears) });

  return (
    <>
      <h1>{t('console.sections.priorityGroups')}</h1>
      <p className="lead">{t('groups.intro')}</p>
      {!nationalAdmin && <Notice tone="info">{t('groups.adminsOnly')}</Notice>}
      <div className="toolbar">
        <div className="toolbar-actions">
          <button
            type="button"
            className="button"
            aria-expanded={panel.kind === 'add'}
            onClick={() => openPanel(panel.kind === 'add' ? { kind: 'none' } : { kind: 'add' })}
            data-testid="add-group"
          >
            {t('groups.addTitle')}
          </button>
        </div>
      </div>
      {notice && <Notice>{notice}</Notice>}
      {panel.kind === 'add' && (
        <PriorityGroupForm
          group={null}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) => {
            setPanel({ kind: 'none' });
            setNotice(t('groups.added', { name: f.name(saved) }));
          }}
        />
      )}
      {panel.kind === 'edit' && (
        <PriorityGroupForm
          key={panel.group.code}
          group={panel.group}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) => {
            setPanel({ kind: 'none' });
            setNotice(t('groups.saved', { name: f.name(saved), version: f.number(saved.version) }));
          }}
        />
      )}
      {panel.kind === 'roster' && (
        <Panel
          title={t('groups.rosterTitle', { name: f.name(panel.group) })}
          onClose={() => setPanel({ kind: 'none' })}
        >
          <p className="panel-intro">{t('groups.rosterIntro')}</p>
          <CsvImport
            key={panel.group.code}
            columns={ROSTER_CSV_COLUMNS}
            onImport={(csv) =>
              unwrap(
                api.POST('/api/priority-groups/{code}/roster', {
                  params: { path: { code: panel.group.code } },
                  body: csv,
                  ...csvUpload,
                }),
              )
            }
          />
        </Panel>
      )}

      <section aria-labelledby="group-list-heading">
        <h2 id="group-list-heading" className="visually-hidden">
          {heading}
        </h2>
        <ErrorAlert error={groups.error} />
        {groups.isPending && <Loading />}
        {groups.data && rows.length === 0 && <p className="empty">{t('groups.empty')}</p>}
        {rows.length > 0 && (
          <TableWrap label={heading}>
            <table data-testid="priority-groups-table">
              <thead>
                <tr>
                  <th scope="col">{t('groups.fields.name')}</th>
                  <th scope="col" className="num">
                    {t('groups.fields.rank')}
                  </th>
                  <th scope="col">{t('groups.columns.ages')}</th>
                  <th scope="col">{t('groups.fields.proofRule')}</th>
                  <th scope="col">{t('groups.fields.opensOn')}</th>
                  <th scope="col">{t('groups.columns.openNow')}</th>
                  <th scope="col" className="num">
                    {t('groups.columns.version')}
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((g) => (
                  <tr key={g.code} className={g.active ? undefined : 'inactive'} data-code={g.code}>
                    <th scope="row">
                      {f.name(g)}
                      <br />
                      <code className="small muted">{g.code}</code>
                    </th>
                    <td className="num">{f.number(g.rank)}</td>
                    <td className="nowrap">{ages(g)}</td>
                    <td>{t(`groups.proofRules.${g.proofRule}`)}</td>
                    <td className="nowrap">{f.date(g.opensOn)}</td>
                    <td>
                      {!g.active ? (
                        <span className="badge badge-muted">{t('common.inactive')}</span>
                      ) : g.open ? (
                        <span className="badge badge-ok">{t('groups.open')}</span>
                      ) : (
                        <span className="badge badge-warn">{t('groups.notYet')}</span>
                      )}
                    </td>
                    <td className="num">{f.number(g.version)}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={t('groups.editNamed', { name: f.name(g) })}
                        onClick={() => openPanel({ kind: 'edit', group: g })}
                        data-testid="edit-group"
                      >
                        {t('common.edit')}
                      </button>
                      {g.proofRule === 'roster' && (
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={t('groups.rosterNamed', { name: f.name(g) })}
                          onClick={() => openPanel({ kind: 'roster', group: g })}
                          data-testid="import-roster"
                        >
                          {t('groups.roster')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
