/**
 * Revocation lists.
 *
 * EU DCC (and the native certificate, which is COSE signed by the same DSCs), after the DCC
 * revocation specification: a list holds truncated hashes, each of one type:
 * - `UCI`: SHA-256 of the unique certificate identifier (`ci`);
 * - `COUNTRYCODEUCI`: SHA-256 of the issuing country (CWT `iss`) followed by the `ci`;
 * - `SIGNATURE`: SHA-256 of the signature (ECDSA: its `r` half only, since `s` can be changed
 *   without invalidating it; RSA: all of it).
 * Each hash is its first 16 bytes, base64. A batch may be bound to the kid of the DSC that
 * signed the certificates, as the EU gateway publishes them, or apply to any kid.
 *
 * SMART Health Card, after the specification's revocation section: an issuer publishes, per
 * key, `{ kid, method: "rid", ctr, rids }`; an entry `rid` revokes every card carrying that
 * `vc.rid`, an entry `rid.<seconds>` only cards whose `nbf` is before that time.
 *
 * The file a verifier reads (`--revocations`) holds both:
 * `{ "dcc": [{ "kid"?: "<base64>", "hashType": "UCI" | "COUNTRYCODEUCI" | "SIGNATURE", "hashes": ["<base64>"] }],
 *    "shc": [{ "iss": "<url>", "kid": "<kid>", "method": "rid", "ctr": 1, "rids": ["<rid>[.<seconds>]"] }] }`
 */
import { fromBase64, sha256, toBase64, toBase64url, utf8 } from './bytes.ts';

export type DccRevocationHashType = 'UCI' | 'COUNTRYCODEUCI' | 'SIGNATURE';

export interface DccRevocationBatch {
  /** The DSC kid the batch is bound to; absent: any kid. */
  kid?: string;
  hashType: DccRevocationHashType;
  /** base64 of the first 16 bytes of each SHA-256. */
  hashes: string[];
}

export interface ShcRevocationList {
  iss: string;
  kid: string;
  method?: 'rid';
  ctr?: number;
  rids: string[];
}

export interface RevocationLists {
  dcc?: DccRevocationBatch[];
  shc?: ShcRevocationList[];
}

const HASH_TYPES: readonly DccRevocationHashType[] = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE'];
const ANY_KID = '';

/** The facts about a COSE-signed certificate that revocation looks at. */
export interface DccRevocationSubject {
  kid: string;
  /** CWT `iss`: the issuing country. */
  issuer: string | undefined;
  certificateId: string | undefined;
  signature: Uint8Array;
  /** Whether the signature is ECDSA (only its `r` half is hashed). */
  ecdsa: boolean;
}

/** Revocation lists compiled for look-up. */
export class RevocationIndex {
  /** hash type -> kid ('' for any) -> hashes */
  private readonly dcc = new Map<DccRevocationHashType, Map<string, Set<string>>>();
  /** iss -> kid -> rid -> revoked-before time (seconds), or Infinity for always */
  private readonly shc = new Map<string, Map<string, Map<string, number>>>();

  constructor(lists: RevocationLists = {}) {
    for (const batch of Array.isArray(lists?.dcc) ? lists.dcc : []) {
      if (!batch || !HASH_TYPES.includes(batch.hashType) || !Array.isArray(batch.hashes)) continue;
      const byKid = this.dcc.get(batch.hashType) ?? new Map<string, Set<string>>();
      this.dcc.set(batch.hashType, byKid);
      const kid = typeof batch.kid === 'string' ? batch.kid : ANY_KID;
      const set = byKid.get(kid) ?? new Set<string>();
      byKid.set(kid, set);
      for (const hash of batch.hashes) {
        const bytes = typeof hash === 'string' ? fromBase64(hash) : undefined;
        if (bytes && bytes.length >= 16) set.add(toBase64(bytes.subarray(0, 16)));
      }
    }
    for (const list of Array.isArray(lists?.shc) ? lists.shc : []) {
      if (!list || typeof list.iss !== 'string' || typeof list.kid !== 'string' || !Array.isArray(list.rids))
        continue;
      const byKid = this.shc.get(list.iss) ?? new Map<string, Map<string, number>>();
      this.shc.set(list.iss, byKid);
      const rids = byKid.get(list.kid) ?? new Map<string, number>();
      byKid.set(list.kid, rids);
      for (const entry of list.rids) {
        if (typeof entry !== 'string') continue;
        const [rid, time] = entry.split('.', 2) as [string, string | undefined];
        const before = time === undefined ? Infinity : Number(time);
        if (rid && !Number.isNaN(before)) rids.set(rid, Math.max(before, rids.get(rid) ?? -Infinity));
      }
    }
  }

  get hasDccEntries(): boolean {
    return this.dcc.size > 0;
  }

  /** Whether a COSE-signed certificate (EU DCC or native) is revoked. */
  async isDccRevoked(subject: DccRevocationSubject): Promise<boolean> {
    if (this.dcc.size === 0) return false;
    for (const [type, byKid] of this.dcc) {
      const any = byKid.get(ANY_KID);
      const forKid = byKid.get(subject.kid);
      if (!any && !forKid) continue;
      const hash = await dccRevocationHash(type, subject);
      if (hash && (any?.has(hash) || forKid?.has(hash))) return true;
    }
    return false;
  }

  /** Whether a SMART Health Card is revoked: its `rid` is listed for its issuer and key. */
  isShcRevoked(iss: string, kid: string, rid: string | undefined, nbf: number | undefined): boolean {
    if (!rid) return false;
    const before = this.shc.get(iss)?.get(kid)?.get(rid);
    if (before === undefined) return false;
    return before === Infinity || nbf === undefined || nbf < before;
  }
}

/** The revocation hash of a certificate for one hash type (base64 of 16 bytes), or `undefined`. */
export async function dccRevocationHash(
  type: DccRevocationHashType,
  subject: Omit<DccRevocationSubject, 'kid'>,
): Promise<string | undefined> {
  let input: Uint8Array;
  switch (type) {
    case 'UCI':
      if (!subject.certificateId) return undefined;
      input = utf8(subject.certificateId);
      break;
    case 'COUNTRYCODEUCI':
      if (!subject.certificateId || !subject.issuer) return undefined;
      input = utf8(subject.issuer + subject.certificateId);
      break;
    case 'SIGNATURE':
      input = subject.ecdsa ? subject.signature.subarray(0, subject.signature.length / 2) : subject.signature;
      break;
  }
  return toBase64((await sha256(input)).subarray(0, 16));
}

/**
 * The `rid` of a SMART Health Card: base64url of the first 64 bits of HMAC-SHA-256 of the
 * issuer's own identifier for the card (its certificate id, say) under an issuer secret, so a
 * published revocation list links no card to a person.
 */
export async function shcRevocationId(secret: Uint8Array, cardId: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new Uint8Array(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(cardId)));
  return toBase64url(mac.subarray(0, 8));
}
