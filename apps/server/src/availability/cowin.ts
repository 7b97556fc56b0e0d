import { Type, type TSchema } from '@sinclair/typebox';
import { dmyOf } from './dates.ts';
import { jsonArray, remembered } from './fragments.ts';
import type { AreaInfo, FacilityInfo, ProductInfo, Reference, SessionRecord } from './service.ts';

/**
 * The CoWIN public API's shapes (docs/cowin-api.md): third-party slot finders written for CoWIN
 * read our sessions with nothing changed but the base URL. Areas map by depth: states are the top
 * level, districts the second, blocks the third.
 */

/** The language of the `*_l` fields: Bengali unless Accept-Language prefers English. */
export type Lang = 'bn' | 'en';
export const langOf = (acceptLanguage: string | undefined): Lang =>
  acceptLanguage && /^\s*en(?![a-z])/i.test(acceptLanguage) ? 'en' : 'bn';

/** Hours a client may keep the list of states, districts or centres (the APIs' `ttl`). */
export const METADATA_TTL_HOURS = 24;
/** Shown as the block of a centre placed above the third level, as CoWIN does. */
export const NO_BLOCK = 'Not Applicable';
/** Centres findByLatLong returns at most, and how far it looks. */
export const LAT_LONG_LIMIT = 50;
export const LAT_LONG_KM = 50;
/** Days a calendar covers, from its date. */
export const CALENDAR_DAYS = 7;

/** An error in the CoWIN error body `{ errorCode, error }`. */
export class CowinError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'CowinError';
  }
}

export const CowinErrorBody = Type.Object(
  {
    errorCode: Type.String({ examples: ['USRRES0001'] }),
    error: Type.String({ examples: ['Input parameter missing'] }),
  },
  { description: 'Error (CoWIN form)' },
);

const localName = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));
const Time = Type.String({ pattern: '^\\d{2}:\\d{2}:\\d{2}$', examples: ['09:00:00'] });
const FeeType = Type.Union([Type.Literal('Free'), Type.Literal('Paid')]);
const Slots = Type.Array(Type.String(), {
  minItems: 1,
  uniqueItems: true,
  description: 'Slot times, e.g. 09:00AM-11:00AM.',
});

const centreFields = {
  center_id: Type.Number({ description: 'Facility id.' }),
  name: Type.String({ minLength: 1 }),
  name_l: localName('Name in the language of Accept-Language (Bengali unless English is asked for).'),
  address: Type.String(),
  state_name: Type.String({ description: 'Top-level area (division).' }),
  state_name_l: localName('State name in the preferred language.'),
  district_name: Type.String({ description: 'Second-level area (district).' }),
  district_name_l: localName('District name in the preferred language.'),
  block_name: Type.String({ description: `Third-level area (upazila), or "${NO_BLOCK}".` }),
  block_name_l: localName('Block name in the preferred language.'),
  pincode: Type.String({ description: "The postcode of the facility's area, or the area's code." }),
  lat: Type.Optional(Type.Number()),
  long: Type.Optional(Type.Number()),
};

const sessionFields = {
  session_id: Type.String({ format: 'uuid', description: "The session's number in UUID form." }),
  date: Type.String({ pattern: '^\\d{2}-\\d{2}-\\d{4}$', examples: ['31-05-2021'] }),
  available_capacity: Type.Number(),
  available_capacity_dose1: Type.Number(),
  available_capacity_dose2: Type.Number(),
  min_age_limit: Type.Number(),
  max_age_limit: Type.Optional(Type.Number()),
  vaccine: Type.String({ description: 'Vaccine product code.' }),
  slots: Slots,
  fee: Type.String(),
  fee_type: FeeType,
  from: Time,
  to: Time,
};

export const CowinSession = Type.Object({ ...centreFields, ...sessionFields });
export const CowinCalendarCentre = Type.Object({
  ...centreFields,
  from: Time,
  to: Time,
  fee_type: FeeType,
  sessions: Type.Array(Type.Object(sessionFields)),
});
export const CowinCentre = Type.Object(centreFields);

export const StatesBody = Type.Object({
  states: Type.Array(
    Type.Object({
      state_id: Type.Number(),
      state_name: Type.String({ minLength: 1 }),
      state_name_l: localName('State name in the preferred language.'),
    }),
  ),
  ttl: Type.Number({ description: 'Hours the client may keep this list.' }),
});
export const DistrictsBody = Type.Object({
  districts: Type.Array(
    Type.Object({
      state_id: Type.Number(),
      district_id: Type.Number(),
      district_name: Type.String({ minLength: 1 }),
      district_name_l: localName('District name in the preferred language.'),
    }),
  ),
  ttl: Type.Number({ description: 'Hours the client may keep this list.' }),
});
export const SessionsBody = Type.Object({ sessions: Type.Array(CowinSession) });
export const CalendarBody = Type.Object({ centers: Type.Array(CowinCalendarCentre) });
export const CentreCalendarBody = Type.Object({
  centers: Type.Optional(CowinCalendarCentre),
});
export const CentresBody = Type.Object({
  centers: Type.Array(CowinCentre),
  ttl: Type.Number({ description: 'Hours the client may keep this list.' }),
});

/** The responses a CoWIN route declares: its body and the CoWIN error body. */
export const cowinResponses = (body: TSchema) => ({
  200: body,
  400: CowinErrorBody,
  429: CowinErrorBody,
});

const local = (lang: Lang, a: { nameEn: string; nameBn: string }) => (lang === 'en' ? a.nameEn : a.nameBn);

/** `name` plus `name_l` when the local form is not empty. */
function named<K extends string>(key: K, lang: Lang, a: { nameEn: string; nameBn: string }) {
  const l = local(lang, a);
  return l ? { [key]: a.nameEn, [`${key}_l`]: l } : { [key]: a.nameEn };
}

function levelNames(key: string, lang: Lang, a: AreaInfo | undefined, fallback: string) {
  return a ? named(key, lang, a) : { [key]: fallback };
}

export function cowinCentre(f: FacilityInfo, lang: Lang) {
  return {
    center_id: f.id,
    ...named('name', lang, f),
    address: f.address,
    ...levelNames('state_name', lang, f.level0, ''),
    ...levelNames('district_name', lang, f.level1, ''),
    ...levelNames('block_name', lang, f.level2, NO_BLOCK),
    pincode: f.pincode,
    ...(f.latitude !== null && f.longitude !== null ? { lat: f.latitude, long: f.longitude } : {}),
  };
}

/** A session number as a UUID (the CoWIN field's format), the same every time. */
export const sessionUuid = (id: number) => `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;

/** '13:30:00' -> '01:30PM'. */
function clock12(t: string): string {
  const h = Number(t.slice(0, 2));
  return `${String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0')}:${t.slice(3, 5)}${h < 12 ? 'AM' : 'PM'}`;
}

export function cowinSessionFields(s: SessionRecord, products: Map<number, ProductInfo>) {
  return {
    session_id: sessionUuid(s.id),
    date: dmyOf(s.date),
    available_capacity: s.available,
    available_capacity_dose1: s.doseNumbers.includes(1) ? s.available : 0,
    available_capacity_dose2: s.doseNumbers.includes(2) ? s.available : 0,
    min_age_limit: s.minAge,
    ...(s.maxAge === null ? {} : { max_age_limit: s.maxAge }),
    vaccine: products.get(s.productId)?.code ?? '',
    slots: [...new Set(s.slots.map((sl) => `${clock12(sl.startsAt)}-${clock12(sl.endsAt)}`))],
    fee: '0',
    fee_type: 'Free' as const,
    from: s.startsAt,
    to: s.endsAt,
  };
}

/** findByPin / findByDistrict: one entry per session, with its centre (serialised once per session). */
export function cowinSessionsJson(ref: Reference, sessions: SessionRecord[], lang: Lang): string {
  const items = sessions.map((s) =>
    remembered(s, ref, `find:${lang}`, () =>
      JSON.stringify({
        ...cowinCentre(ref.facilities.get(s.facilityId)!, lang),
        ...cowinSessionFields(s, ref.products),
      }),
    ),
  );
  return `{"sessions":${jsonArray(items)}}`;
}

/** calendarBy*: one serialised entry per centre with its sessions, centres by name. */
export function cowinCalendarJson(ref: Reference, sessions: SessionRecord[], lang: Lang): string[] {
  const byCentre = new Map<number, SessionRecord[]>();
  for (const s of sessions) {
    const list = byCentre.get(s.facilityId);
    if (list) list.push(s);
    else byCentre.set(s.facilityId, [s]);
  }
  return [...byCentre.entries()]
    .map(([id, list]) => ({ facility: ref.facilities.get(id)!, list }))
    .sort((a, b) => a.facility.nameEn.localeCompare(b.facility.nameEn) || a.facility.id - b.facility.id)
    .map(({ facility, list }) => {
      // The centre's fields without the closing brace: hours and sessions follow.
      const head = remembered(facility, ref, `centre:${lang}`, () =>
        JSON.stringify(cowinCentre(facility, lang)).slice(0, -1),
      );
      let from = list[0]!.startsAt;
      let to = list[0]!.endsAt;
      for (const s of list) {
        if (s.startsAt < from) from = s.startsAt;
        if (s.endsAt > to) to = s.endsAt;
      }
      const items = list.map((s) =>
        remembered(s, ref, 'calendar', () => JSON.stringify(cowinSessionFields(s, ref.products))),
      );
      return `${head},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"fee_type":"Free","sessions":${jsonArray(items)}}`;
    });
}

export function cowinStates(ref: Reference, lang: Lang) {
  return {
    states: ref.roots.map((a) => ({ state_id: a.id, ...named('state_name', lang, a) })),
    ttl: METADATA_TTL_HOURS,
  };
}

export function cowinDistricts(ref: Reference, state: AreaInfo, lang: Lang) {
  return {
    districts: (ref.childrenOf.get(state.id) ?? []).map((a) => ({
      state_id: state.id,
      district_id: a.id,
      ...named('district_name', lang, a),
    })),
    ttl: METADATA_TTL_HOURS,
  };
}
