import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { identifierVault } from '../../src/privacy/identifiers.ts';

/**
 * Many registered people at once, each with a phone account of their own and a citizen token,
 * written straight into the tables: races and load need hundreds or thousands of people, and
 * registering each through OTP and the registry would measure registration instead.
 */
export interface BulkPerson {
  personId: number;
  accountId: number;
  phone: string;
  token: string;
}

export async function bulkPeople(
  db: Db,
  opts: {
    count: number;
    secrets: { DOSEWISE_TOKEN_SECRET: string; DOSEWISE_DATA_KEY: string; DOSEWISE_INDEX_KEY: string };
    /** Distinguishes the generated ID numbers and phones of one call from another's. */
    batch: number;
    dateOfBirth?: string;
    groupCode?: string;
  },
): Promise<BulkPerson[]> {
  const vault = identifierVault(opts.secrets.DOSEWISE_DATA_KEY, opts.secrets.DOSEWISE_INDEX_KEY);
  const group = await db
    .selectFrom('priority_group')
    .select(['id'])
    .where('code', '=', opts.groupCode ?? 'general_18_plus')
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  const area = await db
    .selectFrom('area')
    .select('id')
    .where('depth', '=', (eb) => eb.selectFrom('area').select((e) => e.fn.max('depth').as('d')))
    .orderBy('code')
    .executeTakeFirstOrThrow();
  const people = Array.from({ length: opts.count }, (_, i) => {
    const n = opts.batch * 1_000_000 + i;
    const phone = `+88019${String(n).padStart(8, '0')}`;
    const nid = `9${String(n).padStart(12, '0')}`;
    return {
      phone,
      phoneBlind: vault.blindIndex('phone', phone),
      phoneEnc: vault.encrypt(phone),
      idBlind: vault.blindIndex('nid', nid),
      idEnc: vault.encrypt(nid),
      registrationNumber: `BD-BULK-${String(n).padStart(10, '0')}`,
      name: `Bulk Person ${n}`,
    };
  });
  const out: BulkPerson[] = [];
  const key = new TextEncoder().encode(opts.secrets.DOSEWISE_TOKEN_SECRET);
  for (let start = 0; start < people.length; start += 2_000) {
    const chunk = people.slice(start, start + 2_000);
    const { rows } = await sql<{ person_id: number; account_id: number; phone_blind: string }>`
      with acc as (
        insert into citizen_account (phone_blind, phone_enc)
        select * from unnest(${chunk.map((p) => p.phoneBlind)}::text[], ${chunk.map((p) => p.phoneEnc)}::text[])
        returning id, phone_blind, phone_enc
      ), src as (
        select * from unnest(${chunk.map((p) => p.phoneBlind)}::text[], ${chunk.map((p) => p.idBlind)}::text[],
                             ${chunk.map((p) => p.idEnc)}::text[], ${chunk.map((p) => p.registrationNumber)}::text[],
                             ${chunk.map((p) => p.name)}::text[])
          as s(phone_blind, id_blind, id_enc, registration_number, name_en)
      ), p as (
        insert into person (registration_number, citizen_account_id, id_type, id_blind, id_enc, id_last4, name_en,
                            date_of_birth, gender, phone_blind, phone_enc, area_id, priority_group_id,
                            priority_status, consent_version, consent_at, verification_status, locale, registered_via)
        select s.registration_number, acc.id, 'nid', s.id_blind, s.id_enc, '0000', s.name_en,
               ${opts.dateOfBirth ?? '1980-01-01'}::date, 'female', acc.phone_blind, acc.phone_enc, ${area.id},
               ${group.id}, 'accepted', '1', now(), 'verified', 'en', 'self'
        from src s join acc on acc.phone_blind = s.phone_blind
        returning id, citizen_account_id, phone_blind
      ), claim as (
        insert into identity_claim (id_type, id_blind, person_id)
        select 'nid', s.id_blind, p.id from p join src s on s.phone_blind = p.phone_blind
      )
      select id as person_id, citizen_account_id as account_id, phone_blind from p`.execute(db);
    const byBlind = new Map(rows.map((r) => [r.phone_blind, r]));
    for (const p of chunk) {
      const r = byBlind.get(p.phoneBlind)!;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(r.account_id))
        .setIssuer('dosewise')
        .setAudience('dosewise-citizen')
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(key);
      out.push({ personId: r.person_id, accountId: r.account_id, phone: p.phone, token });
    }
  }
  return out;
}
