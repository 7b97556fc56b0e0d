import { useId, useMemo, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { addDays, ageInYears, daysBetween, isValidIsoDate } from '@dosewise/domain';
import { unwrap, type Person, type PublicArea } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import type { AvailabilityQuery, AvailableSession, AvailableSlot } from '../api/scheduling.ts';
import { publicKeys, useAvailability, usePublicProducts } from '../citizen/queries.ts';
import { usePublicAreas } from '../registration/queries.ts';
import { programmeToday, useScheduleFormat } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { RadioGroupField, SelectField, TextField, focusFirstProblem } from '../ui/fields.tsx';
import { Loading } from '../ui/Notice.tsx';
import { useBookingMessage } from '../scheduling/messages.ts';

/** Longest date range one search covers (the availability API's limit), both ends included. */
const MAX_RANGE_DAYS = 31;
/** Sessions shown at first; more on request. */
const PAGE = 8;
const AREA_LEVELS = ['division', 'district', 'upazila'] as const;
const RADII = ['5', '10', '25', '50'] as const;

export interface SearchConstraints {
  person: Person;
  doseNumber: number;
  /** The vaccines this dose may be given with. */
  productIds: number[];
  /** The first day the dose may be given, when later than today. */
  earliestDate: string | null;
  /** The slot the appointment holds now (when rescheduling): shown, not offered. */
  currentSlotId?: number;
}

type Where = 'centre' | 'area' | 'near_me' | 'near_area';

type Geo =
  { status: 'idle' | 'locating' | 'denied' | 'unavailable' } | { status: 'found'; lat: number; lon: number };

interface Problems {
  area?: string;
  from?: string;
  to?: string;
  place?: string;
}

/**
 * Finds sessions with free seats for one person's next dose: at their chosen centre, in an area,
 * or near a point (their phone's location, or the middle of an area's centres), nearest first.
 * Choosing a time slot hands it to `onChoose`; nothing is booked here.
 */
export function SessionSearch({
  constraints,
  onChoose,
}: {
  constraints: SearchConstraints;
  onChoose: (session: AvailableSession, slot: AvailableSlot) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const bookingMessage = useBookingMessage();
  const queryClient = useQueryClient();
  const formId = useId();
  const { person, doseNumber, productIds, earliestDate } = constraints;
  const [today] = useState(programmeToday);
  const start = earliestDate && earliestDate > today ? earliestDate : today;
  const centre = person.preferredFacility;

  const [where, setWhere] = useState<Where>(centre ? 'centre' : 'area');
  const [areas, setAreas] = useState<PublicArea[]>([]);
  const [km, setKm] = useState<string>('10');
  const [from, setFrom] = useState(start);
  const [to, setTo] = useState(() => addDays(start, 13));
  const [productId, setProductId] = useState(productIds.length === 1 ? String(productIds[0]) : '');
  const [geo, setGeo] = useState<Geo>({ status: 'idle' });
  const [problems, setProblems] = useState<Problems>({});
  const [shown, setShown] = useState(PAGE);
  const [placeError, setPlaceError] = useState<unknown>(null);
  const [locating, setLocating] = useState(false);

  const baseQuery = (fromDate: string, toDate: string): AvailabilityQuery => ({
    from: fromDate,
    to: toDate,
    dose: doseNumber,
    withRoom: true,
    limit: 200,
    age: ageInYears(person.dateOfBirth, fromDate),
    ...(productId ? { productId: Number(productId) } : {}),
  });

  // The person's own centre is searched at once: the answer most people want.
  const [query, setQuery] = useState<AvailabilityQuery | null>(() =>
    centre ? { ...baseQuery(start, addDays(start, 13)), facilityId: centre.id } : null,
  );
  const [sortByDistance, setSortByDistance] = useState(false);
  const results = useAvailability(query);
  const products = usePublicProducts();
  const productName = (id: number) => products.data?.find((p) => p.id === id)?.name ?? `#${id}`;

  const sessions = useMemo(() => {
    const list = (results.data?.sessions ?? []).filter(
      (s) =>
        (productIds.length === 0 || productIds.includes(s.product.id)) &&
        (!earliestDate || s.date >= earliestDate),
    );
    if (sortByDistance)
      return [...list].sort(
        (a, b) => (a.facility.distanceKm ?? Infinity) - (b.facility.distanceKm ?? Infinity),
      );
    return list;
  }, [results.data, productIds, earliestDate, sortByDistance]);

  const locate = () =>
    new Promise<{ lat: number; lon: number } | null>((resolve) => {
      if (!('geolocation' in navigator)) {
        setGeo({ status: 'unavailable' });
        resolve(null);
        return;
      }
      setGeo({ status: 'locating' });
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          const point = { lat: pos.coords.latitude, lon: pos.coords.longitude };
          setGeo({ status: 'found', ...point });
          resolve(point);
        },
        (err) => {
          setGeo({ status: err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable' });
          resolve(null);
        },
        { enableHighAccuracy: false, timeout: 15_000, maximumAge: 5 * 60_000 },
      );
    });

  /** The middle of an area's vaccination centres that have a location. */
  const areaPoint = async (areaId: number) => {
    const centres = await queryClient.fetchQuery({
      queryKey: publicKeys.centres(areaId),
      queryFn: () => unwrap(citizenApi.GET('/api/public/facilities', { params: { query: { areaId } } })),
      staleTime: 5 * 60_000,
    });
    const placed = centres.filter(
      (c): c is typeof c & { latitude: number; longitude: number } =>
        c.latitude !== null && c.longitude !== null,
    );
    if (!placed.length) return null;
    return {
      lat: placed.reduce((n, c) => n + c.latitude, 0) / placed.length,
      lon: placed.reduce((n, c) => n + c.longitude, 0) / placed.length,
    };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPlaceError(null);
    const found: Problems = {};
    const area = areas.at(-1);
    if ((where === 'area' || where === 'near_area') && !area) found.area = t('booking.search.areaMissing');
    if (!isValidIsoDate(from)) found.from = t('booking.search.dateMissing');
    else if (from < today) found.from = t('booking.search.fromPast');
    if (!isValidIsoDate(to)) found.to = t('booking.search.dateMissing');
    else if (isValidIsoDate(from) && to < from) found.to = t('booking.search.toBeforeFrom');
    else if (isValidIsoDate(from) && daysBetween(from, to) + 1 > MAX_RANGE_DAYS)
      found.to = t('booking.search.rangeTooLong', { days: f.number(MAX_RANGE_DAYS) });
    setProblems(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => focusFirstProblem(document.getElementById(formId)));
      return;
    }
    const base = baseQuery(from, to);
    setShown(PAGE);
    switch (where) {
      case 'centre':
        setSortByDistance(false);
        setQuery(centre ? { ...base, facilityId: centre.id } : base);
        return;
      case 'area':
        setSortByDistance(false);
        setQuery({ ...base, areaId: area!.id });
        return;
      case 'near_me': {
        setLocating(true);
        const point = geo.status === 'found' ? { lat: geo.lat, lon: geo.lon } : await locate();
        setLocating(false);
        if (!point) return;
        setSortByDistance(true);
        setQuery({ ...base, lat: round(point.lat), lon: round(point.lon), km: Number(km) });
        return;
      }
      case 'near_area': {
        setLocating(true);
        try {
          const point = await areaPoint(area!.id);
          if (!point) {
            setProblems({ area: t('booking.search.noPlace') });
            return;
          }
          setSortByDistance(true);
          setQuery({ ...base, lat: round(point.lat), lon: round(point.lon), km: Number(km) });
        } catch (err) {
          setPlaceError(err);
        } finally {
          setLocating(false);
        }
        return;
      }
    }
  };

  const whereOptions = [
    ...(centre
      ? [{ value: 'centre', label: t('booking.search.whereCentre', { centre: f.name(centre) }) }]
      : []),
    { value: 'area', label: t('booking.search.whereArea') },
    { value: 'near_me', label: t('booking.search.whereNearMe'), hint: t('booking.search.whereNearMeHint') },
    { value: 'near_area', label: t('booking.search.whereNearArea') },
  ];

  const resultsId = `${formId}-results`;
  const visible = sessions.slice(0, shown);

  return (
    <div className="session-search">
      <form id={formId} className="card search-form stack" onSubmit={(e) => void submit(e)} noValidate>
        <h2>{t('booking.search.title')}</h2>
        <p className="field-hint">
          {t('booking.search.forDose', { dose: f.number(doseNumber) })}
          {earliestDate && earliestDate > today
            ? ` ${t('booking.search.earliest', { date: f.longDate(earliestDate) })}`
            : ''}
        </p>
        <RadioGroupField
          legend={t('booking.search.where')}
          value={where}
          onChange={(v) => setWhere(v as Where)}
          options={whereOptions}
          className="where-options"
        />
        {(where === 'area' || where === 'near_area') && (
          <AreaLevels
            legend={where === 'area' ? t('booking.search.areaLegend') : t('booking.search.placeLegend')}
            path={areas}
            onChange={setAreas}
            error={problems.area}
          />
        )}
        {(where === 'near_me' || where === 'near_area') && (
          <SelectField
            label={t('booking.search.radius')}
            value={km}
            onChange={setKm}
            className="field-medium"
            options={RADII.map((r) => ({
              value: r,
              label: t('booking.search.km', { km: f.number(Number(r)) }),
            }))}
          />
        )}
        {where === 'near_me' && <GeoStatus geo={geo} />}
        <div className="field-row">
          <TextField
            type="date"
            label={t('booking.search.from')}
            value={from}
            min={today}
            onChange={setFrom}
            error={problems.from}
            className="field-narrow-date"
          />
          <TextField
            type="date"
            label={t('booking.search.to')}
            value={to}
            min={from}
            onChange={setTo}
            error={problems.to}
            className="field-narrow-date"
          />
        </div>
        <p className="field-hint range-hint">
          {t('booking.search.rangeHint', { days: f.number(MAX_RANGE_DAYS) })}
        </p>
        {productIds.length > 1 ? (
          <SelectField
            label={t('booking.search.vaccine')}
            value={productId}
            onChange={setProductId}
            className="field-medium"
            options={[
              { value: '', label: t('booking.search.anyVaccine') },
              ...productIds.map((id) => ({ value: String(id), label: productName(id) })),
            ]}
          />
        ) : productIds.length === 1 ? (
          <p className="field-hint">
            {t('booking.search.onlyVaccine', { vaccine: productName(productIds[0]!) })}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="button" disabled={locating} data-testid="search-sessions">
            {locating ? t('booking.search.searching') : t('booking.search.submit')}
          </button>
        </div>
        <ErrorAlert error={placeError} />
      </form>

      <section className="search-results" aria-labelledby={resultsId} aria-busy={results.isFetching}>
        <h2 id={resultsId} className="results-heading">
          {t('booking.search.resultsTitle')}
        </h2>
        <ErrorAlert error={results.error} localMessage={bookingMessage} />
        {query === null ? (
          <p className="empty">{t('booking.search.notYet')}</p>
        ) : results.isPending ? (
          <Loading />
        ) : (
          <>
            <p role="status" className="results-count" data-testid="results-count">
              {sessions.length === 0
                ? t('booking.search.none')
                : t('booking.search.count', { count: sessions.length, n: f.number(sessions.length) })}
            </p>
            <ul className="session-results" role="list" data-testid="session-results">
              {visible.map((s) => (
                <SessionCard
                  key={s.sessionId}
                  session={s}
                  currentSlotId={constraints.currentSlotId}
                  onChoose={(slot) => onChoose(s, slot)}
                />
              ))}
            </ul>
            {sessions.length > shown && (
              <button type="button" className="button secondary" onClick={() => setShown((n) => n + PAGE)}>
                {t('booking.search.more', { n: f.number(Math.min(PAGE, sessions.length - shown)) })}
              </button>
            )}
          </>
        )}
      </section>
    </div>
  );
}

/** Four decimals of a degree (about 10 m): enough for distances, and equal searches share a cache entry. */
const round = (x: number) => Math.round(x * 10_000) / 10_000;

function GeoStatus({ geo }: { geo: Geo }) {
  const { t } = useTranslation();
  switch (geo.status) {
    case 'idle':
      return <p className="field-hint">{t('booking.search.geoIdle')}</p>;
    case 'locating':
      return (
        <p className="field-hint" role="status">
          {t('booking.search.locating')}
        </p>
      );
    case 'found':
      return (
        <p className="field-hint" role="status">
          {t('booking.search.geoFound')}
        </p>
      );
    case 'denied':
      return (
        <p className="field-error" role="alert">
          {t('booking.search.geoDenied')}
        </p>
      );
    case 'unavailable':
      return (
        <p className="field-error" role="alert">
          {t('booking.search.geoUnavailable')}
        </p>
      );
  }
}

/** Division, district, upazila: as deep as the person likes (a division alone is allowed). */
function AreaLevels({
  legend,
  path,
  onChange,
  error,
}: {
  legend: string;
  path: PublicArea[];
  onChange: (path: PublicArea[]) => void;
  error?: string;
}) {
  const id = useId();
  return (
    <fieldset className="picker area-levels" data-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <div className="field-row">
        {AREA_LEVELS.map((level, depth) => (
          <AreaLevel
            key={`${depth}-${depth === 0 ? 'top' : (path[depth - 1]?.id ?? 'none')}`}
            level={level}
            parent={depth === 0 ? null : path[depth - 1]}
            selected={path[depth]}
            invalid={!!error && depth === 0 && path.length === 0}
            describedBy={error ? `${id}-error` : undefined}
            onSelect={(a) => onChange(a ? [...path.slice(0, depth), a] : path.slice(0, depth))}
          />
        ))}
      </div>
    </fieldset>
  );
}

function AreaLevel({
  level,
  parent,
  selected,
  invalid,
  describedBy,
  onSelect,
}: {
  level: (typeof AREA_LEVELS)[number];
  /** undefined: the level above is not chosen yet. */
  parent: PublicArea | null | undefined;
  selected: PublicArea | undefined;
  invalid: boolean;
  describedBy?: string;
  onSelect: (area: PublicArea | undefined) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const id = useId();
  const ready = parent !== undefined;
  const areas = usePublicAreas(parent?.id ?? null, ready);
  const sorted = useMemo(() => {
    const collator = new Intl.Collator(f.locale);
    return [...(areas.data ?? [])].sort((a, b) => collator.compare(f.name(a), f.name(b)));
  }, [areas.data, f]);
  const label = t(`registration.address.${level}`);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={selected ? String(selected.id) : ''}
        disabled={!ready || !areas.data}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => onSelect(sorted.find((a) => String(a.id) === e.target.value))}
      >
        <option value="">
          {!ready
            ? t('registration.address.chooseAbove')
            : areas.isPending
              ? t('common.loading')
              : level === 'division'
                ? t('registration.address.choose')
                : t('booking.search.anyIn')}
        </option>
        {sorted.map((a) => (
          <option key={a.id} value={a.id}>
            {f.name(a)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** One session: where, when, how far, and its time slots with seats, each a button. */
function SessionCard({
  session: s,
  currentSlotId,
  onChoose,
}: {
  session: AvailableSession;
  currentSlotId?: number;
  onChoose: (slot: AvailableSlot) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const headingId = useId();
  const centre = f.name(s.facility);
  const area = f.name({ nameEn: s.facility.areaNameEn, nameBn: s.facility.areaNameBn });
  return (
    <li className="card session-card" data-testid="session-card" data-session-id={s.sessionId}>
      <h3 id={headingId}>{centre}</h3>
      <p className="session-place">
        {s.facility.address}, {area}
        {s.facility.distanceKm !== undefined && (
          <>
            {' · '}
            <span className="distance">{t('booking.search.away', { km: f.km(s.facility.distanceKm) })}</span>
          </>
        )}
      </p>
      <p className="session-when">
        <strong>{f.longDate(s.date)}</strong>
        <span className="muted">
          {' · '}
          <span className="nowrap">{f.hours(s.startsAt, s.endsAt)}</span>
        </span>
      </p>
      <p className="session-what">
        {s.product.name} · {t('booking.search.seatsLeft', { count: s.available, n: f.number(s.available) })}
      </p>
      <ul className="slot-list" role="list" aria-labelledby={headingId}>
        {s.slots.map((slot) => {
          const current = slot.slotId === currentSlotId;
          const hours = f.hours(slot.startsAt, slot.endsAt);
          const seats = current
            ? t('booking.search.yourSlot')
            : slot.available > 0
              ? t('booking.search.seatsLeft', { count: slot.available, n: f.number(slot.available) })
              : t('booking.search.slotFull');
          return (
            <li key={slot.slotId}>
              <button
                type="button"
                className="slot-button"
                disabled={current || slot.available <= 0}
                aria-label={t('booking.search.slotLabel', {
                  hours,
                  seats,
                  date: f.longDate(s.date),
                  centre,
                })}
                onClick={() => onChoose(slot)}
                data-testid="slot-button"
              >
                <span className="slot-hours">{hours}</span>
                <span className="slot-seats">{seats}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </li>
  );
}
