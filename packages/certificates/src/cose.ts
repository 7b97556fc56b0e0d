/**
 * COSE_Sign1 (RFC 9052) as the EU DCC and the native certificate use it: parse (tagged 18,
 * untagged, or inside the CWT tag 61), the protected header winning over the unprotected one,
 * verification with ES256, ES384 and PS256, and a signer that precomputes everything that does
 * not change between certificates.
 */
import { CborError, CborTag, decodeCbor, encodeCbor, type CborValue } from './cbor.ts';
import { ownBytes } from './bytes.ts';

export const COSE_ALG_ES256 = -7;
export const COSE_ALG_ES384 = -35;
export const COSE_ALG_PS256 = -37;
const HEADER_ALG = 1;
const HEADER_KID = 4;
const TAG_COSE_SIGN1 = 18;
const TAG_CWT = 61;

export interface CoseSign1 {
  /** The protected header exactly as signed. */
  protectedBytes: Uint8Array;
  /** Algorithm, from the protected header or else the unprotected one. */
  alg: number | undefined;
  /** Key id, from the protected header or else the unprotected one. */
  kid: Uint8Array | undefined;
  payload: Uint8Array;
  signature: Uint8Array;
}

export type CoseParseFailure = 'bad_cbor' | 'bad_cose';

/** Parses a COSE_Sign1 message; never throws. */
export function parseCoseSign1(bytes: Uint8Array): CoseSign1 | CoseParseFailure {
  let value: CborValue;
  try {
    value = decodeCbor(bytes);
  } catch (e) {
    if (e instanceof CborError) return 'bad_cbor';
    throw e;
  }
  if (value instanceof CborTag && value.tag === TAG_CWT) value = value.value;
  if (value instanceof CborTag && value.tag === TAG_COSE_SIGN1) value = value.value;
  if (!Array.isArray(value) || value.length !== 4) return 'bad_cose';
  const [protectedBytes, unprotected, payload, signature] = value;
  if (!(protectedBytes instanceof Uint8Array) || !(payload instanceof Uint8Array)) return 'bad_cose';
  if (!(signature instanceof Uint8Array) || !(unprotected instanceof Map)) return 'bad_cose';
  let protectedHeader: Map<CborValue, CborValue>;
  if (protectedBytes.length === 0) protectedHeader = new Map();
  else {
    let decoded: CborValue;
    try {
      decoded = decodeCbor(protectedBytes);
    } catch {
      return 'bad_cose';
    }
    if (!(decoded instanceof Map)) return 'bad_cose';
    protectedHeader = decoded;
  }
  const pick = (label: number) => (protectedHeader.has(label) ? protectedHeader : unprotected).get(label);
  const alg = pick(HEADER_ALG);
  const kid = pick(HEADER_KID);
  return {
    protectedBytes,
    alg: typeof alg === 'number' ? alg : undefined,
    kid: kid instanceof Uint8Array ? kid : undefined,
    payload,
    signature,
  };
}

/** The bytes a COSE_Sign1 signature covers: Sig_structure with an empty external AAD. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

export type SignatureKeyKind = 'EC-P256' | 'EC-P384' | 'RSA';

/**
 * The Web Crypto parameters for a COSE algorithm over a key of a given kind, or `undefined`
 * when they do not belong together. ES256 is ECDSA on P-256 and ES384 on P-384 (RFC 9053,
 * section 2.1: the curve is part of the algorithm), PS256 is RSASSA-PSS with SHA-256.
 */
export function webCryptoParams(
  alg: number,
  kind: SignatureKeyKind,
):
  | { importAlg: EcKeyImportParams | RsaHashedImportParams; verifyAlg: EcdsaParams | RsaPssParams }
  | undefined {
  if (alg === COSE_ALG_ES256 && kind === 'EC-P256')
    return {
      importAlg: { name: 'ECDSA', namedCurve: 'P-256' },
      verifyAlg: { name: 'ECDSA', hash: 'SHA-256' },
    };
  if (alg === COSE_ALG_ES384 && kind === 'EC-P384')
    return {
      importAlg: { name: 'ECDSA', namedCurve: 'P-384' },
      verifyAlg: { name: 'ECDSA', hash: 'SHA-384' },
    };
  if (alg === COSE_ALG_PS256 && kind === 'RSA')
    return {
      importAlg: { name: 'RSA-PSS', hash: 'SHA-256' },
      verifyAlg: { name: 'RSA-PSS', saltLength: 32 },
    };
  return undefined;
}

export async function verifyCoseSignature(
  message: CoseSign1,
  key: CryptoKey,
  verifyAlg: EcdsaParams | RsaPssParams,
): Promise<boolean> {
  try {
    return await crypto.subtle.verify(
      verifyAlg,
      key,
      ownBytes(message.signature),
      sigStructure(message.protectedBytes, message.payload),
    );
  } catch {
    return false;
  }
}

export interface CoseSigner {
  readonly kid: Uint8Array;
  /** Signs a payload; returns the COSE_Sign1 message tagged 18. */
  sign(payload: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
}

/**
 * An ES256 signer for one key: the protected header `{1: -7, 4: kid}` and the start of the
 * Sig_structure are encoded once, so signing a certificate costs one CBOR head, one copy of the
 * payload and the signature itself.
 */
export function createCoseSigner(privateKey: CryptoKey, kid: Uint8Array): CoseSigner {
  const protectedBytes = encodeCbor(
    new Map<CborValue, CborValue>([
      [HEADER_ALG, COSE_ALG_ES256],
      [HEADER_KID, kid],
    ]),
  );
  const sigPrefix = encodeCbor(['Signature1', protectedBytes, new Uint8Array(0)]);
  sigPrefix[0] = 0x84; // the array holds four items: the payload follows
  const messagePrefix = new Uint8Array([0xd2, 0x84, ...encodeCbor(protectedBytes), 0xa0]);
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  return {
    kid,
    async sign(payload) {
      const payloadHead = byteStringHead(payload.length);
      const toSign = new Uint8Array(sigPrefix.length + payloadHead.length + payload.length);
      toSign.set(sigPrefix, 0);
      toSign.set(payloadHead, sigPrefix.length);
      toSign.set(payload, sigPrefix.length + payloadHead.length);
      const signature = new Uint8Array(await crypto.subtle.sign(ecdsa, privateKey, toSign));
      const out = new Uint8Array(
        messagePrefix.length + payloadHead.length + payload.length + 2 + signature.length,
      );
      let o = 0;
      out.set(messagePrefix, o);
      o += messagePrefix.length;
      out.set(payloadHead, o);
      o += payloadHead.length;
      out.set(payload, o);
      o += payload.length;
      out[o++] = 0x58; // byte string, one-byte length: an ES256 signature is 64 bytes
      out[o++] = signature.length;
      out.set(signature, o);
      return out;
    },
  };
}

function byteStringHead(length: number): Uint8Array {
  if (length < 24) return new Uint8Array([0x40 | length]);
  if (length < 0x100) return new Uint8Array([0x58, length]);
  if (length < 0x10000) return new Uint8Array([0x59, length >> 8, length & 0xff]);
  return new Uint8Array([0x5a, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
}

export { CborTag };
