import { signCardToken } from '@dosewise/certificates';
import type { Db } from '../db/database.ts';
import { notFound } from '../http/errors.ts';
import type { CardKeys } from './keys.ts';
import { renderVaccinationCard } from './card-pdf.ts';

/**
 * Vaccination cards: the printable PDF and the signed token in its QR code, made on demand from the
 * person's current record (a corrected name gives a new card with a higher version).
 */
export function cardService(deps: { db: Db; keys: CardKeys }) {
  const { db, keys } = deps;
  return {
    publicKeys: () => keys.publicJwks,

    async token(personId: number) {
      const p = await db
        .selectFrom('person')
        .select(['id', 'registration_number', 'name_en', 'date_of_birth'])
        .select((eb) =>
          eb
            .selectFrom('person_correction')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('person_id', '=', 'person.id')
            .as('corrections'),
        )
        .where('id', '=', personId)
        .executeTakeFirst();
      if (!p) throw notFound('The person');
      return signCardToken(
        {
          rn: p.registration_number,
          pid: String(p.id),
          n: p.name_en,
          yb: Number(p.date_of_birth.slice(0, 4)),
          iat: Math.floor(Date.now() / 1000),
          v: 1 + Number(p.corrections ?? 0),
        },
        keys.privateKey,
        keys.kid,
      );
    },

    async pdf(personId: number, locale: 'en' | 'bn' = 'en') {
      const p = await db
        .selectFrom('person as p')
        .leftJoin('facility as f', 'f.id', 'p.preferred_facility_id')
        .leftJoin('vaccine_product as v', 'v.id', 'p.preferred_product_id')
        .select([
          'p.id',
          'p.registration_number',
          'p.name_en',
          'p.name_bn',
          'p.date_of_birth',
          'p.gender',
          'p.id_type',
          'p.id_last4',
          'f.name_en as centre_en',
          'f.name_bn as centre_bn',
          'v.primary_doses',
          'v.name as product_name',
        ])
        .where('p.id', '=', personId)
        .executeTakeFirst();
      if (!p) throw notFound('The person');
      return renderVaccinationCard(
        {
          registrationNumber: p.registration_number,
          nameEn: p.name_en,
          nameBn: p.name_bn,
          dateOfBirth: p.date_of_birth,
          gender: p.gender,
          idType: p.id_type,
          idLast4: p.id_last4,
          centre: p.centre_en ? { nameEn: p.centre_en, nameBn: p.centre_bn ?? p.centre_en } : null,
          // Until appointments and doses exist, the card lists the doses of the primary series as
          // "to be scheduled" (the chosen vaccine's series, or one dose when none was chosen).
          schedule: Array.from({ length: p.primary_doses ?? 1 }, (_, i) => ({
            doseNumber: i + 1,
            ...(p.product_name ? { productName: p.product_name } : {}),
          })),
          issuedAt: new Date().toISOString().slice(0, 10),
          token: await this.token(personId),
        },
        { locale },
      );
    },
  };
}
export type CardService = ReturnType<typeof cardService>;
