/**
 * Verification on the device: the whole certificate library, loaded as its own chunk when the
 * verify page first checks a certificate (see `verifyOnDevice` in lists.ts).
 */
import {
  PRODUCTS,
  RevocationIndex,
  TrustStore,
  verifyCertificate,
  type RevocationLists,
  type TrustList,
  type VerificationResult,
} from '@dosewise/certificates';
import type { CheckedCertificate, Holder, ShownDose } from './types.ts';

let compiled: { fetchedAt: string; trust: TrustStore; revocations: RevocationIndex } | undefined;

/** Verifies a QR text against the lists kept on the device, at the device's clock. */
export async function verifyWithLists(
  text: string,
  lists: { trust: unknown; revocations: unknown; fetchedAt: string },
  now = new Date(),
): Promise<CheckedCertificate> {
  if (compiled?.fetchedAt !== lists.fetchedAt) {
    compiled = {
      fetchedAt: lists.fetchedAt,
      trust: await TrustStore.create(lists.trust as TrustList),
      revocations: new RevocationIndex(lists.revocations as RevocationLists),
    };
  }
  const result = await verifyCertificate(text, {
    trust: compiled.trust,
    revocations: compiled.revocations,
    now,
  });
  return checked(result);
}

function checked(r: VerificationResult): CheckedCertificate {
  return {
    format: r.format,
    valid: r.valid,
    reasons: [...r.reasons],
    issuer: r.issuer ?? null,
    issuedAt: r.issuedAt !== undefined ? new Date(r.issuedAt * 1000).toISOString() : null,
    expiresAt: r.expiresAt !== undefined ? new Date(r.expiresAt * 1000).toISOString() : null,
    // Only what a signature under a trusted key vouches for is shown.
    holder: r.decoded && r.signature && r.trusted ? holderOf(r) : null,
  };
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' ? (x as Obj) : {});
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' ? x : null);

/** The vaccine's name for any of the codes a format carries (ICD-11 brand, EU product, CVX). */
function vaccineName(code: string): string {
  const p = PRODUCTS.find((x) => x.brand === code || x.euProduct === code || x.cvx === code);
  return p?.display ?? code;
}

/** Name, date of birth and doses: all a verifier is shown of the holder. */
function holderOf(r: VerificationResult): Holder {
  const p = obj(r.payload);
  switch (r.format) {
    case 'eu-dcc': {
      const nam = obj(p.nam);
      const doses: ShownDose[] = (Array.isArray(p.v) ? p.v : []).map((v) => {
        const e = obj(v);
        return {
          doseNumber: num(e.dn),
          totalDoses: num(e.sd),
          date: str(e.dt) ?? '',
          vaccine: vaccineName(str(e.mp) ?? ''),
          country: str(e.co),
        };
      });
      return {
        name: [str(nam.gn), str(nam.fn)].filter(Boolean).join(' '),
        dateOfBirth: str(p.dob) ?? '',
        doses,
      };
    }
    case 'dosewise': {
      const v = obj(p.vaccination);
      return {
        name: [str(v.givenName), str(v.familyName)].filter(Boolean).join(' '),
        dateOfBirth: str(v.birthDate) ?? '',
        doses: [
          {
            doseNumber: num(v.doseNumber),
            totalDoses: num(v.totalDoses),
            date: str(v.date) ?? '',
            vaccine: vaccineName(str(v.brand) ?? ''),
            country: str(v.country),
          },
        ],
      };
    }
    case 'smart-health-card': {
      const bundle = obj(obj(obj(p.vc).credentialSubject).fhirBundle);
      const resources = (Array.isArray(bundle.entry) ? bundle.entry : []).map((e) => obj(obj(e).resource));
      const patient = resources.find((x) => x.resourceType === 'Patient') ?? {};
      const name = obj(Array.isArray(patient.name) ? patient.name[0] : undefined);
      const given = Array.isArray(name.given) ? name.given.filter((g) => typeof g === 'string') : [];
      const doses = resources
        .filter((x) => x.resourceType === 'Immunization')
        .map((x) => {
          const codings = obj(x.vaccineCode).coding;
          const coding = obj(Array.isArray(codings) ? codings[0] : undefined);
          return {
            doseNumber: null,
            totalDoses: null,
            date: (str(x.occurrenceDateTime) ?? '').slice(0, 10),
            vaccine: vaccineName(str(coding.code) ?? ''),
            country: null,
          };
        });
      return {
        name: [...given, str(name.family)].filter(Boolean).join(' '),
        dateOfBirth: str(patient.birthDate) ?? '',
        doses,
      };
    }
    case 'unknown':
      return { name: '', dateOfBirth: '', doses: [] };
  }
}

/** The server names vaccines by code; the page shows their names. */
export function nameVaccines(holder: Holder): Holder {
  return { ...holder, doses: holder.doses.map((d) => ({ ...d, vaccine: vaccineName(d.vaccine) })) };
}
