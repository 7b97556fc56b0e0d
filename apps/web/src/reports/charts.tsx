import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ReportFormat } from './format.ts';

/**
 * Colours of the report charts: distinguishable with the common colour-vision deficiencies and
 * dark enough against white for thin lines and small bars.
 */
export const COLOURS = {
  doses: '#0b5e63',
  cumulative: '#c25400',
  firstDose: '#2c6fbb',
  complete: '#1f7a4a',
  booster: '#7a4fb5',
  female: '#b83f7a',
  male: '#2c6fbb',
  third_gender: '#b07800',
  registered: '#5a6c73',
  booked: '#2c6fbb',
  vaccinated: '#0b8a8f',
  serious: '#a4262c',
} as const;

/** Colours of series without a meaning of their own (products, priority groups). */
export const PALETTE = [
  '#0b5e63',
  '#2c6fbb',
  '#c25400',
  '#7a4fb5',
  '#1f7a4a',
  '#b83f7a',
  '#b07800',
  '#4e5f65',
];

const AXIS_TICK = { fill: '#34454b', fontSize: 13 };
const GRID = '#e2e9eb';

/**
 * A chart with its figures as a real table: the picture is for the eye (an image with a short
 * summary for screen readers), the table — one click away — for exact numbers and assistive
 * technology.
 */
export function ChartPanel({
  title,
  summary,
  intro,
  tools,
  chart,
  table,
  testId,
  tableOpen = false,
}: {
  title: string;
  /** What the chart shows, in a sentence: its accessible name. */
  summary: string;
  intro?: ReactNode;
  tools?: ReactNode;
  chart: (ariaLabel: string) => ReactNode;
  table: ReactNode;
  testId?: string;
  /** Show the table from the start (when its rows are what the reader came for). */
  tableOpen?: boolean;
}) {
  const { t } = useTranslation();
  const [showTable, setShowTable] = useState(tableOpen);
  const headingId = useId();
  const tableId = useId();
  return (
    <section className="panel chart-panel" aria-labelledby={headingId} data-testid={testId}>
      <div className="panel-head">
        <h2 id={headingId}>{title}</h2>
        <div className="chart-tools">
          {tools}
          <button
            type="button"
            className="button secondary small"
            aria-expanded={showTable}
            aria-controls={tableId}
            onClick={() => setShowTable((v) => !v)}
          >
            {showTable ? t('reports.hideTable') : t('reports.showTable')}
          </button>
        </div>
      </div>
      {intro && <div className="panel-intro chart-intro">{intro}</div>}
      <div className="chart-box">{chart(summary)}</div>
      <div id={tableId} hidden={!showTable}>
        {table}
      </div>
    </section>
  );
}

/** The width of an element, followed as it changes (0 until it is laid out). */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

/** Props recharts passes to the root svg: an image with an accessible name, not a keyboard widget. */
function imageProps(ariaLabel: string) {
  return { role: 'img', 'aria-label': ariaLabel, accessibilityLayer: false } as const;
}

export interface Series {
  key: string;
  label: string;
  colour: string;
}

function tooltipFormatter(r: ReportFormat, percent = false) {
  return (value: unknown) => {
    const n = typeof value === 'number' ? value : Number(value);
    return percent ? r.percent(n) : r.number(n);
  };
}

const legendStyle = { fontSize: 14, paddingTop: 6 };

const NICE_FRACTIONS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1];

/** The top of a percentage axis: the smallest round fraction above the data, at most 100 %. */
function percentAxisTop(data: Record<string, unknown>[], keys: string[]): number {
  let max = 0;
  for (const row of data)
    for (const k of keys) {
      const v = row[k];
      if (typeof v === 'number' && v > max) max = v;
    }
  return NICE_FRACTIONS.find((f) => f >= max) ?? 1;
}

/** Daily doses as bars, the running total as a line on its own axis. */
export function DailyCumulativeChart({
  data,
  ariaLabel,
  r,
  dailyLabel,
  cumulativeLabel,
}: {
  data: { day: string; daily: number; cumulative: number }[];
  ariaLabel: string;
  r: ReportFormat;
  dailyLabel: string;
  cumulativeLabel: string;
}) {
  return (
    <ComposedChart
      data={data}
      responsive
      style={{ width: '100%', height: 320 }}
      margin={{ top: 8, right: 8, bottom: 4, left: 8 }}
      {...imageProps(ariaLabel)}
    >
      <CartesianGrid stroke={GRID} vertical={false} />
      <XAxis dataKey="day" tickFormatter={r.dayMonth} tick={AXIS_TICK} minTickGap={24} tickMargin={6} />
      <YAxis yAxisId="daily" tickFormatter={r.compact} tick={AXIS_TICK} width={56} allowDecimals={false} />
      <YAxis
        yAxisId="cumulative"
        orientation="right"
        tickFormatter={r.compact}
        tick={AXIS_TICK}
        width={60}
        allowDecimals={false}
      />
      <Tooltip
        labelFormatter={(d) => (typeof d === 'string' ? r.date(d) : '')}
        formatter={tooltipFormatter(r)}
      />
      <Legend wrapperStyle={legendStyle} itemSorter={null} />
      <Bar
        yAxisId="daily"
        dataKey="daily"
        name={dailyLabel}
        fill={COLOURS.doses}
        radius={[3, 3, 0, 0]}
        maxBarSize={28}
        isAnimationActive={false}
      />
      <Line
        yAxisId="cumulative"
        dataKey="cumulative"
        name={cumulativeLabel}
        stroke={COLOURS.cumulative}
        strokeWidth={3}
        dot={false}
        type="monotone"
        isAnimationActive={false}
      />
    </ComposedChart>
  );
}

/** One or more lines over days. */
export function TrendLines({
  data,
  series,
  ariaLabel,
  r,
}: {
  /** A null value (a suppressed count) is a gap in its line. */
  data: Record<string, string | number | null>[];
  series: Series[];
  ariaLabel: string;
  r: ReportFormat;
}) {
  return (
    <LineChart
      data={data}
      responsive
      style={{ width: '100%', height: 300 }}
      margin={{ top: 8, right: 16, bottom: 4, left: 8 }}
      {...imageProps(ariaLabel)}
    >
      <CartesianGrid stroke={GRID} vertical={false} />
      <XAxis dataKey="day" tickFormatter={r.dayMonth} tick={AXIS_TICK} minTickGap={24} tickMargin={6} />
      <YAxis tickFormatter={r.compact} tick={AXIS_TICK} width={56} allowDecimals={false} />
      <Tooltip
        labelFormatter={(d) => (typeof d === 'string' ? r.date(d) : '')}
        formatter={tooltipFormatter(r)}
      />
      {series.length > 1 && <Legend wrapperStyle={legendStyle} itemSorter={null} />}
      {series.map((s) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.label}
          stroke={s.colour}
          strokeWidth={3}
          dot={false}
          type="monotone"
          connectNulls={false}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

/**
 * Bars per category: side by side, stacked (`stacked`), or lying down (`horizontal`) for long
 * category names. Values may be fractions shown as percentages (`percent`).
 */
export function CategoryBars({
  data,
  category,
  series,
  ariaLabel,
  r,
  stacked = false,
  horizontal = false,
  percent = false,
  height,
}: {
  data: Record<string, string | number | null>[];
  category: string;
  series: Series[];
  ariaLabel: string;
  r: ReportFormat;
  stacked?: boolean;
  horizontal?: boolean;
  percent?: boolean;
  height?: number;
}) {
  const valueFormat = (v: number) => (percent ? r.percent(v) : r.compact(v));
  const domain: [number, number | 'auto'] = percent
    ? [
        0,
        percentAxisTop(
          data,
          series.map((s) => s.key),
        ),
      ]
    : [0, 'auto'];
  const h =
    height ??
    (horizontal ? Math.max(160, data.length * (series.length > 1 && !stacked ? 44 : 34) + 60) : 300);
  const longest = Math.max(0, ...data.map((d) => String(d[category] ?? '').length));
  const [boxRef, width] = useWidth<HTMLDivElement>();
  // Category names that no longer fit side by side under their bars are set at a slant.
  const slanted = !horizontal && width > 0 && (width - 80) / Math.max(1, data.length) < longest * 7 + 6;
  return (
    <div ref={boxRef}>
      <BarChart
        data={data}
        layout={horizontal ? 'vertical' : 'horizontal'}
        responsive
        style={{ width: '100%', height: h }}
        margin={{ top: 8, right: 16, bottom: 4, left: 8 }}
        barCategoryGap={horizontal ? '22%' : '18%'}
        {...imageProps(ariaLabel)}
      >
        <CartesianGrid stroke={GRID} horizontal={!horizontal} vertical={horizontal} />
        {horizontal ? (
          <>
            <XAxis
              type="number"
              tickFormatter={valueFormat}
              tick={AXIS_TICK}
              allowDecimals={percent}
              domain={domain}
            />
            <YAxis
              type="category"
              dataKey={category}
              tick={AXIS_TICK}
              width={Math.min(220, Math.max(70, longest * 8))}
              interval={0}
            />
          </>
        ) : (
          <>
            <XAxis
              dataKey={category}
              tick={slanted ? { ...AXIS_TICK, textAnchor: 'end' } : AXIS_TICK}
              angle={slanted ? -40 : 0}
              height={slanted ? 24 + longest * 6 : 30}
              interval={0}
              tickMargin={6}
            />
            <YAxis
              tickFormatter={valueFormat}
              tick={AXIS_TICK}
              width={56}
              allowDecimals={percent}
              domain={domain}
            />
          </>
        )}
        <Tooltip formatter={tooltipFormatter(r, percent)} cursor={{ fill: 'rgb(11 94 99 / 8%)' }} />
        {series.length > 1 && <Legend wrapperStyle={legendStyle} itemSorter={null} />}
        {series.map((s, i) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            fill={s.colour}
            stackId={stacked ? 'stack' : undefined}
            radius={
              stacked && i < series.length - 1
                ? 0
                : horizontal
                  ? [0, 3, 3, 0]
                  : ([3, 3, 0, 0] as [number, number, number, number])
            }
            maxBarSize={horizontal ? 26 : 48}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </div>
  );
}

/** Stages of a funnel as lying bars, each in its own colour, with its count at the end. */
export function FunnelBars({
  data,
  ariaLabel,
  r,
}: {
  data: { stage: string; value: number; colour: string }[];
  ariaLabel: string;
  r: ReportFormat;
}) {
  const longest = Math.max(0, ...data.map((d) => d.stage.length));
  return (
    <BarChart
      data={data}
      layout="vertical"
      responsive
      style={{ width: '100%', height: data.length * 52 + 40 }}
      margin={{ top: 4, right: 72, bottom: 4, left: 8 }}
      barCategoryGap="18%"
      {...imageProps(ariaLabel)}
    >
      <CartesianGrid stroke={GRID} horizontal={false} />
      <XAxis type="number" tickFormatter={r.compact} tick={AXIS_TICK} allowDecimals={false} />
      <YAxis
        type="category"
        dataKey="stage"
        tick={{ ...AXIS_TICK, fontWeight: 600 }}
        width={Math.min(200, Math.max(90, longest * 8.5))}
        interval={0}
      />
      <Tooltip formatter={tooltipFormatter(r)} cursor={{ fill: 'rgb(11 94 99 / 8%)' }} />
      <Bar dataKey="value" radius={[0, 4, 4, 0]} isAnimationActive={false}>
        {data.map((d) => (
          <Cell key={d.stage} fill={d.colour} />
        ))}
        <LabelList
          dataKey="value"
          position="right"
          formatter={(v: unknown) => r.number(Number(v))}
          style={{ fill: '#1b2629', fontSize: 13, fontWeight: 600 }}
        />
      </Bar>
    </BarChart>
  );
}

/** A coverage figure with a bar drawn behind it, for tables. */
export function CoverageBar({
  value,
  r,
  colour = COLOURS.firstDose,
  suppressed,
}: {
  value: number | null;
  r: ReportFormat;
  colour?: string;
  suppressed?: ReactNode;
}) {
  if (value === null) return <span className="coverage-none">{suppressed ?? '—'}</span>;
  const width = `${Math.max(0, Math.min(1, value)) * 100}%`;
  return (
    <span className="coverage">
      <span className="coverage-track" aria-hidden="true">
        <span className="coverage-fill" style={{ width, background: colour }} />
      </span>
      <span className="coverage-value">{r.percent(value)}</span>
    </span>
  );
}

/** A colour key for charts whose legend is drawn outside the SVG. */
export function Swatch({ colour }: { colour: string }) {
  return <span className="swatch" style={{ background: colour }} aria-hidden="true" />;
}
