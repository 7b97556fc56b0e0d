import type { Key, ReactNode } from 'react';
import { Link } from 'react-router';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { TableWrap } from '../ui/TableWrap.tsx';
import { COLOURS, CoverageBar } from './charts.tsx';
import { GENDERS, type ReportFormat } from './format.ts';
import type { Gender, ReportArea } from './types.ts';

/** One column of a report table. */
export interface Column<T> {
  key: string;
  header: ReactNode;
  /** A figure: right-aligned (`num`) in the head and in every row. */
  numeric?: boolean;
  /** The cell that names the row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** When the table is sorted on this column. */
  sort?: 'ascending' | 'descending';
  cell: (row: T, index: number) => ReactNode;
}

/**
 * A report table in its scrolling wrapper: a caption (shown, or there for screen readers only when
 * a heading above already names it), a row of column heads, and one row per item.
 */
export function DataTable<T>({
  label,
  caption = label,
  captionHidden,
  columns,
  rows,
  rowKey,
  rowClassName,
  empty,
  className,
  testId,
}: {
  /** Names the scrolling region; also the caption unless one is given. */
  label: string;
  caption?: ReactNode;
  captionHidden?: boolean;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => Key;
  rowClassName?: (row: T, index: number) => string | undefined;
  /** Shown instead of the table when there are no rows. */
  empty?: ReactNode;
  className?: string;
  testId?: string;
}) {
  if (empty !== undefined && rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <TableWrap label={label}>
      <table className={className} data-testid={testId}>
        <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={c.sort}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row)} className={rowClassName?.(row, i)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th key={c.key} scope="row" className={c.numeric ? 'num' : undefined}>
                    {c.cell(row, i)}
                  </th>
                ) : (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.cell(row, i)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The fields of a row that hold a number. */
type CountKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

/** A column of counts, each read from the row's field of the same name. */
export function countColumn<T>(r: ReportFormat, key: CountKey<T>, header: ReactNode): Column<T> {
  return { key, header, numeric: true, cell: (row) => r.number(row[key] as number) };
}

/** The two coverage columns drawn as bars: first dose and complete course. */
export function coverageBarColumns<
  T extends { coverageFirst: number | null; coverageComplete: number | null },
>(t: TFunction, r: ReportFormat): Column<T>[] {
  return [
    {
      key: 'coverageFirst',
      header: t('reports.coverageFirst'),
      cell: (row) => <CoverageBar value={row.coverageFirst} r={r} colour={COLOURS.firstDose} />,
    },
    {
      key: 'coverageComplete',
      header: t('reports.coverageComplete'),
      cell: (row) => <CoverageBar value={row.coverageComplete} r={r} colour={COLOURS.complete} />,
    },
  ];
}

/**
 * A panel of a report page under its own heading, with tools (a CSV button) beside the heading
 * and an introduction below it.
 */
export function ReportSection({
  titleId,
  title,
  tools,
  intro,
  children,
}: {
  titleId: string;
  title: string;
  tools?: ReactNode;
  intro?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={titleId}>
      {tools ? (
        <div className="panel-head">
          <h2 id={titleId}>{title}</h2>
          <div className="chart-tools">{tools}</div>
        </div>
      ) : (
        <h2 id={titleId}>{title}</h2>
      )}
      {intro && <p className="panel-intro">{intro}</p>}
      {children}
    </section>
  );
}

/** A count per gender, one column each, in the usual order. */
export function genderColumns<T>(r: ReportFormat, value: (row: T, gender: Gender) => number): Column<T>[] {
  return GENDERS.map((g) => ({
    key: g,
    header: r.gender(g),
    numeric: true,
    cell: (row: T) => r.number(value(row, g)),
  }));
}

/** The area a row is about, a link one level down the report. */
export function areaColumn<T extends { area: ReportArea }>(
  header: string,
  r: ReportFormat,
  drillTo: (area: ReportArea) => string,
  linkTestIds?: boolean,
): Column<T> {
  return {
    key: 'area',
    header,
    rowHeader: true,
    cell: (row) => (
      <Link to={drillTo(row.area)} data-testid={linkTestIds ? `drill-${row.area.code}` : undefined}>
        {r.name(row.area)}
      </Link>
    ),
  };
}

/**
 * The child areas of the one shown, as a league table under its own heading; at the lowest level
 * there are none, and the panel says so.
 */
export function AreaPanel<T extends { area: ReportArea }>({
  titleId,
  title,
  tools,
  intro,
  columns,
  rows,
  testId,
}: {
  titleId: string;
  title: string;
  tools?: ReactNode;
  intro?: ReactNode;
  columns: readonly Column<T>[];
  rows: readonly T[];
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <ReportSection titleId={titleId} title={title} tools={tools} intro={intro}>
      <DataTable
        label={title}
        captionHidden
        className="league"
        testId={testId}
        columns={columns}
        rows={rows}
        rowKey={(row) => row.area.id}
        empty={t('reports.lowestLevel')}
      />
    </ReportSection>
  );
}
