import type { FastifyError, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { badRequest } from '../http/errors.ts';
import { errors, type App } from '../http/types.ts';
import { responseCache, serveCached, type Built, type ResponseCache } from './cache.ts';
import {
  CALENDAR_DAYS,
  CalendarBody,
  CentreCalendarBody,
  CentresBody,
  CowinError,
  cowinCalendarJson,
  cowinCentre,
  cowinDistricts,
  cowinResponses,
  cowinSessionsJson,
  cowinStates,
  DistrictsBody,
  LAT_LONG_KM,
  LAT_LONG_LIMIT,
  langOf,
  METADATA_TTL_HOURS,
  SessionsBody,
  StatesBody,
  type Lang,
} from './cowin.ts';
import { dayOf, isoFromDmy } from './dates.ts';
import { AvailabilityQuery, AvailabilityResult } from './schemas.ts';
import { jsonArray } from './fragments.ts';
import {
  MAX_DAYS_AHEAD,
  type AvailabilityService,
  type FacilityInfo,
  type Reference,
  type SessionRecord,
} from './service.ts';

const DmyDate = Type.String({
  pattern: '^\\d{2}-\\d{2}-\\d{4}$',
  description: 'DD-MM-YYYY',
  examples: ['31-03-2021'],
});
const Digits = (description: string) => Type.String({ pattern: '^[0-9]{1,10}$', description });
const Vaccine = Type.Optional(
  Type.String({ maxLength: 40, description: 'Only sessions of this vaccine (product code).' }),
);
const Pincode = Type.String({
  minLength: 3,
  maxLength: 20,
  description: "A postcode, or an area's code (a facility's `pincode`).",
});
// Clients written for CoWIN may send parameters of its later versions: unknown ones are ignored.
const lenient = { additionalProperties: true } as const;

/** CoWIN routes answer every error in CoWIN's body, `{ errorCode, error }`. */
function cowinErrorHandler(
  err: FastifyError & { statusCode?: number },
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  const send = (status: number, errorCode: string, error: string) =>
    void reply.status(status).send({ errorCode, error });
  if (err instanceof CowinError) return send(err.statusCode, err.errorCode, err.message);
  if (err.validation) {
    const v = err.validation[0];
    if (v?.keyword === 'required') return send(400, 'USRRES0001', 'Input parameter missing');
    const field = (v?.instancePath ?? '').replace(/^\//, '') || err.validationContext || 'input';
    return send(400, 'INVALID_PARAMETER', `Invalid value for ${field}`);
  }
  if (err.statusCode === 429)
    return send(429, 'RATE_LIMITED', 'Too many requests. Wait a moment and try again.');
  req.log.error({ err }, 'cowin route failed');
  send(500, 'INTERNAL_ERROR', 'Internal Server Error');
}

/**
 * Public availability: our search, and the CoWIN public API's paths and shapes under /api/v2 for
 * slot finders written for CoWIN. Every answer comes from the one-second response cache, with an
 * ETag; searches count against one per-address limit shared by all these routes.
 */
export function availabilityRoutes(
  app: App,
  deps: { availability: AvailabilityService; searchPerIpMinute: number; cache?: ResponseCache },
) {
  const { availability } = deps;
  const cache = deps.cache ?? responseCache();
  // One limiter, one counter per address for all of these routes.
  const limit = app.rateLimit({
    max: deps.searchPerIpMinute,
    timeWindow: '1 minute',
  }) as onRequestHookHandler;
  const onRequest: onRequestHookHandler[] = [limit];
  const route = { config: { public: true }, onRequest };
  const cowin = { ...route, errorHandler: cowinErrorHandler };

  app.get(
    '/api/public/availability',
    {
      ...route,
      schema: {
        operationId: 'searchAvailability',
        tags: ['availability'],
        summary: 'Open sessions with seats left, by area, facility, dates, vaccine, dose, age and distance',
        description:
          'Sessions from today on. With lat and lon, only facilities within km of the point, nearest first; ' +
          'otherwise soonest first. Answers are at most one second old and carry an ETag.',
        security: [],
        querystring: AvailabilityQuery,
        response: { 200: AvailabilityResult, ...errors(400, 429) },
      },
    },
    (req, reply) => {
      const q = req.query;
      const point = q.lat !== undefined || q.lon !== undefined;
      if (q.km !== undefined && !point)
        throw badRequest('invalid_point', 'A radius needs a point: give lat and lon too.', [{ field: 'km' }]);
      const n = availability.normalise({
        areaId: q.areaId,
        facilityId: q.facilityId,
        from: q.from,
        to: q.to,
        productId: q.productId,
        productCode: q.product,
        doseNumber: q.dose,
        near: point ? { lat: q.lat ?? Number.NaN, lon: q.lon ?? Number.NaN, km: q.km } : undefined,
        age: q.age,
        withRoom: q.withRoom,
        limit: q.limit,
      });
      return serveCached(cache, req, reply, `search:${JSON.stringify(n)}`, async () => {
        const found = await availability.run(n);
        return { json: availability.jsonOf(found), deps: found.deps };
      });
    },
  );

  // --- CoWIN-compatible paths (docs/cowin-api.md) ---

  /** The reference data as a response's source. */
  const withReference = async <T>(f: (ref: Reference) => T): Promise<Built> => {
    const { ref, dep } = await availability.currentReference();
    return { value: f(ref), deps: [dep] };
  };

  /** The days of a request's DD-MM-YYYY date, or a CoWIN 400. */
  function window(dmy: string, days: number): { from: number; to: number } {
    const iso = isoFromDmy(dmy);
    if (!iso || dayOf(iso) - availability.today() > MAX_DAYS_AHEAD)
      throw new CowinError(400, 'INVALID_DATE', 'Please enter a valid date (DD-MM-YYYY)');
    return { from: dayOf(iso), to: dayOf(iso) + days - 1 };
  }

  function vaccineOf(ref: Reference, code: string | undefined): number | undefined {
    if (code === undefined || code === '') return undefined;
    const p = ref.productsByCode.get(code.toUpperCase());
    if (!p) throw new CowinError(400, 'INVALID_VACCINE', 'Invalid vaccine');
    return p.id;
  }

  /** Sessions at these facilities in a window, in the shape `shape` makes of them. */
  async function sessionsBody(
    pick: (ref: Reference) => FacilityInfo[],
    days: { from: number; to: number },
    vaccine: string | undefined,
    shape: (ref: Reference, sessions: SessionRecord[]) => string,
  ): Promise<Built> {
    const { ref, dep } = await availability.currentReference();
    const facilities = pick(ref);
    const productId = vaccineOf(ref, vaccine);
    const { sessions, deps: used } = await availability.select({
      facilities,
      fromDay: days.from,
      toDay: days.to,
      productId,
    });
    const { ref: latest, dep: latestDep } = await availability.currentReference();
    const known = sessions.filter((s) => latest.facilities.has(s.facilityId));
    return { json: shape(latest, known), deps: [dep, latestDep, ...used] };
  }

  const district = (ref: Reference, id: string) => {
    const area = ref.areas.get(Number(id));
    if (!area || area.depth !== 1) throw new CowinError(400, 'INVALID_DISTRICT_ID', 'Invalid district_id');
    return ref.facilityList.filter((f) => f.level1?.id === area.id);
  };
  const pincode = (ref: Reference, pin: string) => {
    const areas = ref.areasByPin.get(pin) ?? ref.areasByPin.get(pin.toUpperCase());
    if (!areas) throw new CowinError(400, 'APPOIN0018', 'Invalid Pincode');
    return ref.facilityList.filter((f) => areas.some((a) => f.area.path.startsWith(a.path)));
  };
  const centre = (ref: Reference, id: string) => {
    const f = ref.facilities.get(Number(id));
    if (!f) throw new CowinError(400, 'INVALID_CENTER_ID', 'Invalid center_id');
    return [f];
  };

  const lang = (req: FastifyRequest): Lang => langOf(req.headers['accept-language']);
  const tags = ['cowin'];
  const AcceptLanguage = Type.Object(
    {
      'accept-language': Type.Optional(
        Type.String({ description: 'en for English in the *_l fields; Bengali otherwise.' }),
      ),
    },
    lenient,
  );
  const VARY = 'Accept-Language, Accept-Encoding';

  app.get(
    '/api/v2/admin/location/states',
    {
      ...cowin,
      schema: {
        operationId: 'cowinStates',
        tags,
        summary: 'CoWIN: top-level areas as states',
        security: [],
        headers: AcceptLanguage,
        response: cowinResponses(StatesBody),
      },
    },
    (req, reply) => {
      const l = lang(req);
      return serveCached(
        cache,
        req,
        reply,
        `states:${l}`,
        () => withReference((ref) => cowinStates(ref, l)),
        VARY,
      );
    },
  );

  app.get(
    '/api/v2/admin/location/districts/:state_id',
    {
      ...cowin,
      schema: {
        operationId: 'cowinDistricts',
        tags,
        summary: 'CoWIN: the second-level areas of a top-level area as districts',
        security: [],
        headers: AcceptLanguage,
        params: Type.Object({ state_id: Digits('Top-level area id.') }),
        response: cowinResponses(DistrictsBody),
      },
    },
    (req, reply) => {
      const l = lang(req);
      const id = Number(req.params.state_id);
      return serveCached(
        cache,
        req,
        reply,
        `districts:${id}:${l}`,
        () =>
          withReference((ref) => {
            const state = ref.areas.get(id);
            if (!state || state.parentId !== null)
              throw new CowinError(400, 'INVALID_STATE_ID', 'Invalid state_id');
            return cowinDistricts(ref, state, l);
          }),
        VARY,
      );
    },
  );

  const sessionRoute = (
    path: string,
    operationId: string,
    summary: string,
    /** The parameter that names where: a postcode or area code, a district, a facility. */
    where: 'pincode' | 'district_id' | 'center_id',
    body: typeof SessionsBody | typeof CalendarBody | typeof CentreCalendarBody,
    answer: (
      q: { pincode?: string; district_id?: string; center_id?: string; date: string; vaccine?: string },
      l: Lang,
    ) => { key: string; build: () => Promise<Built> },
  ) =>
    app.get(
      path,
      {
        ...cowin,
        schema: {
          operationId,
          tags,
          summary,
          security: [],
          headers: AcceptLanguage,
          querystring: Type.Object(
            {
              [where]: {
                pincode: Pincode,
                district_id: Digits('Second-level area id.'),
                center_id: Digits('Facility id.'),
              }[where],
              date: DmyDate,
              vaccine: Vaccine,
            },
            lenient,
          ),
          response: cowinResponses(body),
        },
      },
      (req, reply) => {
        const l = lang(req);
        const { key, build } = answer(
          req.query as {
            pincode?: string;
            district_id?: string;
            center_id?: string;
            date: string;
            vaccine?: string;
          },
          l,
        );
        return serveCached(cache, req, reply, key, build, VARY);
      },
    );

  sessionRoute(
    '/api/v2/appointment/sessions/public/findByPin',
    'cowinFindByPin',
    'CoWIN: sessions on a date at the facilities of a postcode or area code',
    'pincode',
    SessionsBody,
    (q, l) => {
      const days = window(q.date, 1);
      return {
        key: `findByPin:${q.pincode}:${days.from}:${q.vaccine ?? ''}:${l}`,
        build: () =>
          sessionsBody(
            (ref) => pincode(ref, q.pincode!),
            days,
            q.vaccine,
            (ref, s) => cowinSessionsJson(ref, s, l),
          ),
      };
    },
  );

  sessionRoute(
    '/api/v2/appointment/sessions/public/findByDistrict',
    'cowinFindByDistrict',
    'CoWIN: sessions on a date in a district (second-level area)',
    'district_id',
    SessionsBody,
    (q, l) => {
      const days = window(q.date, 1);
      return {
        key: `findByDistrict:${Number(q.district_id)}:${days.from}:${q.vaccine ?? ''}:${l}`,
        build: () =>
          sessionsBody(
            (ref) => district(ref, q.district_id!),
            days,
            q.vaccine,
            (ref, s) => cowinSessionsJson(ref, s, l),
          ),
      };
    },
  );

  sessionRoute(
    '/api/v2/appointment/sessions/public/calendarByPin',
    'cowinCalendarByPin',
    `CoWIN: ${CALENDAR_DAYS} days of sessions from a date at the facilities of a postcode or area code`,
    'pincode',
    CalendarBody,
    (q, l) => {
      const days = window(q.date, CALENDAR_DAYS);
      return {
        key: `calendarByPin:${q.pincode}:${days.from}:${q.vaccine ?? ''}:${l}`,
        build: () =>
          sessionsBody(
            (ref) => pincode(ref, q.pincode!),
            days,
            q.vaccine,
            (ref, s) => `{"centers":${jsonArray(cowinCalendarJson(ref, s, l))}}`,
          ),
      };
    },
  );

  sessionRoute(
    '/api/v2/appointment/sessions/public/calendarByDistrict',
    'cowinCalendarByDistrict',
    `CoWIN: ${CALENDAR_DAYS} days of sessions from a date in a district (second-level area)`,
    'district_id',
    CalendarBody,
    (q, l) => {
      const days = window(q.date, CALENDAR_DAYS);
      return {
        key: `calendarByDistrict:${Number(q.district_id)}:${days.from}:${q.vaccine ?? ''}:${l}`,
        build: () =>
          sessionsBody(
            (ref) => district(ref, q.district_id!),
            days,
            q.vaccine,
            (ref, s) => `{"centers":${jsonArray(cowinCalendarJson(ref, s, l))}}`,
          ),
      };
    },
  );

  sessionRoute(
    '/api/v2/appointment/sessions/public/calendarByCenter',
    'cowinCalendarByCenter',
    `CoWIN: ${CALENDAR_DAYS} days of sessions from a date at one facility ({} when it has none)`,
    'center_id',
    CentreCalendarBody,
    (q, l) => {
      const days = window(q.date, CALENDAR_DAYS);
      return {
        key: `calendarByCenter:${Number(q.center_id)}:${days.from}:${q.vaccine ?? ''}:${l}`,
        build: () =>
          sessionsBody(
            (ref) => centre(ref, q.center_id!),
            days,
            q.vaccine,
            (ref, s) => {
              const [one] = cowinCalendarJson(ref, s, l);
              return one ? `{"centers":${one}}` : '{}';
            },
          ),
      };
    },
  );

  app.get(
    '/api/v2/appointment/centers/public/findByLatLong',
    {
      ...cowin,
      schema: {
        operationId: 'cowinFindByLatLong',
        tags,
        summary: `CoWIN: up to ${LAT_LONG_LIMIT} vaccination facilities within ${LAT_LONG_KM} km of a point, nearest first`,
        security: [],
        headers: AcceptLanguage,
        querystring: Type.Object(
          {
            lat: Type.Number({ minimum: -90, maximum: 90 }),
            long: Type.Number({ minimum: -180, maximum: 180 }),
          },
          lenient,
        ),
        response: cowinResponses(CentresBody),
      },
    },
    (req, reply) => {
      const { lat, long } = req.query;
      const l = lang(req);
      return serveCached(
        cache,
        req,
        reply,
        `findByLatLong:${lat}:${long}:${l}`,
        () =>
          withReference((ref) => {
            const { facilities, distances } = availability.facilitiesNear(ref, lat, long, LAT_LONG_KM);
            return {
              centers: facilities
                .sort((a, b) => distances.get(a.id)! - distances.get(b.id)! || a.id - b.id)
                .slice(0, LAT_LONG_LIMIT)
                .map((f) => cowinCentre(f, l)),
              ttl: METADATA_TTL_HOURS,
            };
          }),
        VARY,
      );
    },
  );
}
