import { useState, type MouseEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, csvUpload, unwrap, type Area } from '../api/client.ts';
import { CsvImport } from '../ui/CsvImport.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Panel } from '../ui/FormPanel.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { useDebounced } from '../ui/useDebounced.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { AreaBreadcrumb, trailParam } from './AreaBreadcrumb.tsx';
import { AddAreaForm, EditAreaForm } from './AreaForms.tsx';
import { AREA_LIST_LIMIT, areaKeys, useArea, useAreaChildren, useLevelName } from './areaQueries.ts';

const AREA_CSV_COLUMNS = 'code,parent_code,name_en,name_bn,population,postcode,latitude,longitude';

function parseTrail(value: string | null): number[] {
  if (!value) return [];
  return value
    .split('.')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

export function AreasPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.areas'));
  const [params] = useSearchParams();
  const trail = parseTrail(params.get('trail'));
  const parentId = trail.at(-1) ?? null;
  return (
    <>
      <h1>{t('console.sections.areas')}</h1>
      <AreaBreadcrumb trail={trail} />
      {/* Keyed by level, so search text and open forms start afresh on every level. */}
      <AreaLevelView key={parentId ?? 'top'} trail={trail} parentId={parentId} />
    </>
  );
}

type PanelState = { kind: 'none' } | { kind: 'add' } | { kind: 'import' } | { kind: 'edit'; area: Area };

function AreaLevelView({ trail, parentId }: { trail: number[]; parentId: number | null }) {
  const { t } = useTranslation();
  const f = useFormat();
  const levelName = useLevelName();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const parent = useArea(parentId);
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const children = useAreaChildren(parentId, q);
  const [panel, setPanel] = useState<PanelState>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);

  const drillInto = (area: Area) => {
    queryClient.setQueryData(areaKeys.one(area.id), area);
    void navigate(trailParam([...trail, area.id]));
  };

  const onRowClick = (e: MouseEvent<HTMLTableRowElement>, area: Area) => {
    // Buttons and links in the row do their own thing.
    if (e.target instanceof Element && e.target.closest('a, button')) return;
    if (area.childCount) drillInto(area);
  };

  const openPanel = (next: PanelState) => {
    setNotice(null);
    setPanel(next);
  };

  const parentArea = parentId === null ? null : (parent.data ?? null);
  const heading = parentArea ? t('areas.inParent', { name: f.name(parentArea) }) : t('areas.topLevel');
  const rows = children.data ?? [];

  return (
    <section aria-labelledby="area-list-heading">
      <h2 id="area-list-heading">{heading}</h2>
      <div className="toolbar">
        <TextField
          className="toolbar-search"
          type="search"
          label={t('areas.search')}
          hint={t('areas.searchHint')}
          value={search}
          onChange={setSearch}
          maxLength={100}
        />
        <div className="toolbar-actions">
          <button
            type="button"
            className="button"
            aria-expanded={panel.kind === 'add'}
            disabled={parentId !== null && !parentArea}
            onClick={() => openPanel(panel.kind === 'add' ? { kind: 'none' } : { kind: 'add' })}
          >
            {t('areas.addTitle')}
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

      {panel.kind === 'add' && (
        <AddAreaForm
          parent={parentArea}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(area) => {
            setPanel({ kind: 'none' });
            setNotice(t('areas.added', { name: f.name(area) }));
          }}
        />
      )}
      {panel.kind === 'edit' && (
        <EditAreaForm
          key={panel.area.id}
          area={panel.area}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(area) => {
            setPanel({ kind: 'none' });
            setNotice(area ? t('areas.saved', { name: f.name(area) }) : t('common.nothingChanged'));
          }}
        />
      )}
      {panel.kind === 'import' && (
        <Panel title={t('areas.importTitle')} onClose={() => setPanel({ kind: 'none' })}>
          <CsvImport
            columns={AREA_CSV_COLUMNS}
            onImport={(csv) => unwrap(api.POST('/api/areas/import', { body: csv, ...csvUpload }))}
            onImported={() => void queryClient.invalidateQueries({ queryKey: areaKeys.all })}
          />
        </Panel>
      )}

      <ErrorAlert error={children.error ?? parent.error} />
      {children.isPending && !children.error && <Loading />}
      {children.data && rows.length === 0 && (
        <p className="empty">{q ? t('areas.noMatch', { q }) : t('areas.empty')}</p>
      )}
      {rows.length > 0 && (
        <TableWrap label={heading}>
          <table data-testid="areas-table" className="clickable-rows">
            <thead>
              <tr>
                <th scope="col">{t('areas.name')}</th>
                <th scope="col">{t('areas.code')}</th>
                <th scope="col">{t('areas.level')}</th>
                <th scope="col" className="num">
                  {t('areas.population')}
                </th>
                <th scope="col" className="num">
                  {t('areas.children')}
                </th>
                <th scope="col">
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((area) => (
                <tr
                  key={area.id}
                  className={area.childCount ? 'has-children' : undefined}
                  onClick={(e) => onRowClick(e, area)}
                >
                  <th scope="row">
                    {area.childCount ? (
                      <Link
                        to={trailParam([...trail, area.id])}
                        onClick={() => queryClient.setQueryData(areaKeys.one(area.id), area)}
                      >
                        {f.name(area)}
                      </Link>
                    ) : (
                      f.name(area)
                    )}
                  </th>
                  <td>
                    <code>{area.code}</code>
                  </td>
                  <td>{levelName(area.depth)}</td>
                  <td className="num">{f.number(area.population)}</td>
                  <td className="num">{f.number(area.childCount ?? 0)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button secondary small"
                      aria-label={t('areas.editNamed', { name: f.name(area) })}
                      onClick={() => openPanel({ kind: 'edit', area })}
                    >
                      {t('common.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {rows.length >= AREA_LIST_LIMIT && (
        <Notice tone="info">{t('areas.truncated', { limit: AREA_LIST_LIMIT })}</Notice>
      )}
    </section>
  );
}
