import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, csvUpload, FACILITY_TYPES, unwrap, type Facility, type FacilityType } from '../api/client.ts';
import { CsvImport } from '../ui/CsvImport.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Panel } from '../ui/FormPanel.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { useDebounced } from '../ui/useDebounced.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { FacilityForm } from './FacilityForm.tsx';
import { facilityKeys, useFacilities } from './facilityQueries.ts';

const PAGE_SIZE = 50;
const FACILITY_CSV_COLUMNS =
  'code,name_en,name_bn,type,area_code,address,latitude,longitude,daily_capacity,active';

type PanelState =
  { kind: 'none' } | { kind: 'add' } | { kind: 'import' } | { kind: 'edit'; facility: Facility };

export function FacilitiesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.facilities'));
  const queryClient = useQueryClient();
  const [type, setType] = useState<FacilityType | ''>('');
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const [offset, setOffset] = useState(0);
  const [panel, setPanel] = useState<PanelState>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);

  const list = useFacilities({ ...(type ? { type } : {}), q, limit: PAGE_SIZE, offset });
  const rows = list.data ?? [];

  const toggle = useMutation({
    mutationFn: (facility: Facility) =>
      unwrap(
        api.PATCH('/api/facilities/{id}', {
          params: { path: { id: facility.id } },
          body: { active: !facility.active },
        }),
      ),
    onSuccess: async (saved) => {
      queryClient.setQueryData(facilityKeys.one(saved.id), saved);
      await queryClient.invalidateQueries({ queryKey: facilityKeys.all });
      setNotice(
        saved.active
          ? t('facilities.activated', { name: f.name(saved) })
          : t('facilities.deactivated', { name: f.name(saved) }),
      );
    },
  });

  const openPanel = (next: PanelState) => {
    setNotice(null);
    toggle.reset();
    setPanel(next);
  };

  const closeWith = (message: string) => {
    setPanel({ kind: 'none' });
    setNotice(message);
  };

  const heading = t('facilities.listTitle');
  return (
    <>
      <h1>{t('console.sections.facilities')}</h1>
      <div className="toolbar">
        <div className="toolbar-filters">
          <SelectField
            label={t('facilities.type')}
            value={type}
            onChange={(value) => {
              setType(FACILITY_TYPES.find((x) => x === value) ?? '');
              setOffset(0);
            }}
            options={[
              { value: '', label: t('facilities.allTypes') },
              ...FACILITY_TYPES.map((x) => ({ value: x, label: t(`facilityTypes.${x}`) })),
            ]}
          />
          <TextField
            className="toolbar-search"
            type="search"
            label={t('facilities.search')}
            value={search}
            onChange={(value) => {
              setSearch(value);
              setOffset(0);
            }}
            maxLength={100}
          />
        </div>
        <div className="toolbar-actions">
          <button
            type="button"
            className="button"
            aria-expanded={panel.kind === 'add'}
            onClick={() => openPanel(panel.kind === 'add' ? { kind: 'none' } : { kind: 'add' })}
          >
            {t('facilities.addTitle')}
          </button>
          <button
            type="button"
            className="button secondary"
            aria-expanded={panel.kind === 'import'}
            onClick={() => openPanel(panel.kind === 'import' ? { kind: 'none' } : { kind: 'import' })}
          >
            {t('import.title')}
          </button>
        </div>
      </div>

      {notice && <Notice>{notice}</Notice>}
      <ErrorAlert error={toggle.error} />

      {panel.kind === 'add' && (
        <FacilityForm
          facility={null}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) => closeWith(t('facilities.added', { name: saved ? f.name(saved) : '' }))}
        />
      )}
      {panel.kind === 'edit' && (
        <FacilityForm
          key={panel.facility.id}
          facility={panel.facility}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(saved) =>
            closeWith(saved ? t('facilities.saved', { name: f.name(saved) }) : t('common.nothingChanged'))
          }
        />
      )}
      {panel.kind === 'import' && (
        <Panel title={t('facilities.importTitle')} onClose={() => setPanel({ kind: 'none' })}>
          <CsvImport
            columns={FACILITY_CSV_COLUMNS}
            onImport={(csv) => unwrap(api.POST('/api/facilities/import', { body: csv, ...csvUpload }))}
            onImported={() => void queryClient.invalidateQueries({ queryKey: facilityKeys.all })}
          />
        </Panel>
      )}

      <section aria-labelledby="facility-list-heading">
        <h2 id="facility-list-heading" className="visually-hidden">
          {heading}
        </h2>
        <ErrorAlert error={list.error} />
        {list.isPending && <Loading />}
        {list.data && rows.length === 0 && (
          <p className="empty">{offset > 0 ? t('facilities.noMore') : t('facilities.empty')}</p>
        )}
        {rows.length > 0 && (
          <TableWrap label={heading}>
            <table data-testid="facilities-table">
              <thead>
                <tr>
                  <th scope="col">{t('facilities.name')}</th>
                  <th scope="col">{t('facilities.code')}</th>
                  <th scope="col">{t('facilities.type')}</th>
                  <th scope="col">{t('facilities.area')}</th>
                  <th scope="col" className="num">
                    {t('facilities.dailyCapacity')}
                  </th>
                  <th scope="col">{t('facilities.status')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((facility) => (
                  <tr key={facility.id} className={facility.active ? undefined : 'inactive'}>
                    <th scope="row">{f.name(facility)}</th>
                    <td>
                      <code>{facility.code}</code>
                    </td>
                    <td>{t(`facilityTypes.${facility.type}`)}</td>
                    <td>{f.name({ nameEn: facility.areaNameEn, nameBn: facility.areaNameBn })}</td>
                    <td className="num">{f.number(facility.dailyCapacity)}</td>
                    <td>
                      <span className={`badge ${facility.active ? 'badge-ok' : 'badge-muted'}`}>
                        {facility.active ? t('common.active') : t('common.inactive')}
                      </span>
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={t('facilities.editNamed', { name: f.name(facility) })}
                        onClick={() => openPanel({ kind: 'edit', facility })}
                      >
                        {t('common.edit')}
                      </button>
                      <button
                        type="button"
                        className="button secondary small"
                        disabled={toggle.isPending && toggle.variables.id === facility.id}
                        aria-label={
                          facility.active
                            ? t('facilities.deactivateNamed', { name: f.name(facility) })
                            : t('facilities.activateNamed', { name: f.name(facility) })
                        }
                        onClick={() => {
                          setNotice(null);
                          toggle.mutate(facility);
                        }}
                      >
                        {facility.active ? t('facilities.deactivate') : t('facilities.activate')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {(offset > 0 || rows.length === PAGE_SIZE) && (
          <Pager
            summary={
              rows.length
                ? t('common.rowsShown', { from: f.number(offset + 1), to: f.number(offset + rows.length) })
                : undefined
            }
            hasPrevious={offset > 0}
            hasNext={rows.length === PAGE_SIZE}
            onPrevious={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            onNext={() => setOffset(offset + PAGE_SIZE)}
          />
        )}
      </section>
    </>
  );
}
