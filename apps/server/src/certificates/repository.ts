import type { Insertable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import type { CertificateRevocationTable, CertificateTable } from '../db/schema.ts';
import type { DoseFacts, PersonFacts } from './content.ts';

/** The SQL of the certificates module: reads and appends, no rules. */
export function certificateRepository(db: Queryable) {
  const listOf = (personIds: number[]) =>
    db
      .selectFrom('certificate as c')
      .leftJoin('certificate_revocation as r', (j) =>
        j.onRef('r.person_id', '=', 'c.person_id').onRef('r.certificate_id', '=', 'c.id'),
      )
      .selectAll('c')
      .select(['r.revoked_at', 'r.reason as revoked_reason'])
      .where('c.person_id', 'in', personIds)
      .orderBy('c.person_id')
      .orderBy('c.version', 'desc')
      .execute();

  return {
    /**
     * The people, locked for the rest of the transaction (in key order, so that two transactions
     * locking several never wait for each other in a circle): one issuance at a time per person.
     * The lock lets doses be written meanwhile (it does not block the key share their foreign key
     * takes).
     */
    async lockPeople(personIds: number[]): Promise<Map<number, PersonFacts & { idEnc: string }>> {
      const rows = await db
        .selectFrom('person')
        .select([
          'id',
          'registration_number',
          'name_en',
          'name_bn',
          'date_of_birth',
          'gender',
          'id_type',
          'id_last4',
          'id_enc',
        ])
        .where('id', 'in', personIds)
        .orderBy('id')
        .forNoKeyUpdate()
        .execute();
      return new Map(
        rows.map((p) => [
          p.id,
          {
            id: p.id,
            registrationNumber: p.registration_number,
            nameEn: p.name_en,
            nameBn: p.name_bn,
            dateOfBirth: p.date_of_birth,
            gender: p.gender,
            idType: p.id_type,
            idLast4: p.id_last4,
            idEnc: p.id_enc,
          },
        ]),
      );
    },

    /** The people's doses that stand (not voided by a correction), with what a certificate names. */
    async standingDoses(personIds: number[]): Promise<Map<number, DoseFacts[]>> {
      const rows = await db
        .selectFrom('dose as d')
        .innerJoin('vaccine_product as v', 'v.id', 'd.product_id')
        .leftJoin('lot as l', 'l.id', 'd.lot_id')
        .leftJoin('facility as f', 'f.id', 'd.facility_id')
        .select([
          'd.person_id',
          'd.id',
          'd.dose_number',
          'd.administered_on',
          'v.name as product_name',
          'v.manufacturer',
          'v.icd11_code',
          'v.eu_manufacturer_code',
          'v.primary_doses',
          'l.lot_number',
          'f.name_en as facility_en',
          'f.name_bn as facility_bn',
        ])
        .where('d.person_id', 'in', personIds)
        .where('d.voided_at', 'is', null)
        .orderBy('d.person_id')
        .orderBy('d.dose_number')
        .execute();
      const byPerson = new Map<number, DoseFacts[]>(personIds.map((id) => [id, []]));
      for (const r of rows)
        byPerson.get(r.person_id)?.push({
          id: r.id,
          doseNumber: r.dose_number,
          administeredOn: r.administered_on,
          productName: r.product_name,
          manufacturer: r.manufacturer,
          icd11Code: r.icd11_code,
          euManufacturerCode: r.eu_manufacturer_code,
          primaryDoses: r.primary_doses,
          lotNumber: r.lot_number,
          facilityEn: r.facility_en,
          facilityBn: r.facility_bn,
        });
      return byPerson;
    },

    /** Every certificate of a person, newest first, with its revocation when it has one. */
    list(personId: number) {
      return listOf([personId]);
    },

    /** The same for several people, each person's newest first. */
    listOf,

    one(personId: number, certificateId: number) {
      return db
        .selectFrom('certificate as c')
        .leftJoin('certificate_revocation as r', (j) =>
          j.onRef('r.person_id', '=', 'c.person_id').onRef('r.certificate_id', '=', 'c.id'),
        )
        .selectAll('c')
        .select(['r.revoked_at', 'r.reason as revoked_reason'])
        .where('c.person_id', '=', personId)
        .where('c.id', '=', certificateId)
        .executeTakeFirst();
    },

    byHcid(hcid: string) {
      return db
        .selectFrom('certificate')
        .select(['person_id', 'id'])
        .where('hcid', '=', hcid)
        .executeTakeFirst();
    },

    /** New certificates, in one statement; their ids by `person_id:hcid`. */
    async insert(rows: Insertable<CertificateTable>[]): Promise<Map<string, number>> {
      if (rows.length === 0) return new Map();
      const r = await db
        .insertInto('certificate')
        .values(rows)
        .returning(['id', 'person_id', 'hcid'])
        .execute();
      return new Map(r.map((x) => [`${x.person_id}:${x.hcid}`, x.id]));
    },

    async revoke(row: Insertable<CertificateRevocationTable>): Promise<boolean> {
      const r = await db
        .insertInto('certificate_revocation')
        .values(row)
        .onConflict((oc) => oc.columns(['person_id', 'certificate_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Everything revoked, for the published lists. */
    revocations() {
      return db
        .selectFrom('certificate_revocation')
        .select(['uci_hash', 'dsc_kid', 'shc_iss', 'shc_kid', 'shc_rid', 'revoked_at'])
        .orderBy('revoked_at')
        .execute();
    },
  };
}
