import type { Insertable } from 'kysely';
import type { Queryable } from '../db/database.ts';
import type { CertificateRevocationTable, CertificateTable } from '../db/schema.ts';
import type { DoseFacts, PersonFacts } from './content.ts';

/** The SQL of the certificates module: reads and appends, no rules. */
export function certificateRepository(db: Queryable) {
  return {
    /**
     * The person, locked for the rest of the transaction: one issuance at a time per person. The
     * lock lets doses be written meanwhile (it does not block the key share their foreign key takes).
     */
    async lockPerson(personId: number): Promise<(PersonFacts & { idEnc: string }) | undefined> {
      const p = await db
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
        .where('id', '=', personId)
        .forNoKeyUpdate()
        .executeTakeFirst();
      if (!p) return undefined;
      return {
        id: p.id,
        registrationNumber: p.registration_number,
        nameEn: p.name_en,
        nameBn: p.name_bn,
        dateOfBirth: p.date_of_birth,
        gender: p.gender,
        idType: p.id_type,
        idLast4: p.id_last4,
        idEnc: p.id_enc,
      };
    },

    /** The person's doses that stand (not voided by a correction), with what a certificate names. */
    async standingDoses(personId: number): Promise<DoseFacts[]> {
      const rows = await db
        .selectFrom('dose as d')
        .innerJoin('vaccine_product as v', 'v.id', 'd.product_id')
        .leftJoin('lot as l', 'l.id', 'd.lot_id')
        .leftJoin('facility as f', 'f.id', 'd.facility_id')
        .select([
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
        .where('d.person_id', '=', personId)
        .where('d.voided_at', 'is', null)
        .orderBy('d.dose_number')
        .execute();
      return rows.map((r) => ({
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
      }));
    },

    /** Every certificate of a person, newest first, with its revocation when it has one. */
    list(personId: number) {
      return db
        .selectFrom('certificate as c')
        .leftJoin('certificate_revocation as r', (j) =>
          j.onRef('r.person_id', '=', 'c.person_id').onRef('r.certificate_id', '=', 'c.id'),
        )
        .selectAll('c')
        .select(['r.revoked_at', 'r.reason as revoked_reason'])
        .where('c.person_id', '=', personId)
        .orderBy('c.version', 'desc')
        .execute();
    },

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

    async nextVersion(personId: number): Promise<number> {
      const r = await db
        .selectFrom('certificate')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('person_id', '=', personId)
        .executeTakeFirst();
      return Number(r?.v ?? 0) + 1;
    },

    async insert(row: Insertable<CertificateTable>): Promise<number> {
      const r = await db.insertInto('certificate').values(row).returning('id').executeTakeFirstOrThrow();
      return r.id;
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
