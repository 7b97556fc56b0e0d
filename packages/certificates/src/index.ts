export {
  CARD_TOKEN_PREFIX,
  cardKeyId,
  generateCardKey,
  signCardToken,
  verifyCardToken,
  type CardClaims,
  type CardKey,
  type CardTokenFailure,
  type CardTokenResult,
  type VerifyCardTokenOptions,
} from './card-token.ts';
export * from './verification.ts';
export * from './time.ts';
export * from './trust.ts';
export * from './revocation.ts';
export * from './schema.ts';
export * from './eu-dcc.ts';
export * from './signer-certificates.ts';
export { encodeBase45, decodeBase45 } from './base45.ts';
export * from './record.ts';
export * from './vaccines.ts';
export * from './fhir.ts';
export * from './smart-health-card.ts';
export * from './native-certificate.ts';
export * from './verify.ts';
export { toBase64, fromBase64, toBase64url, toHex, fromHex } from './bytes.ts';
export { createCoseSigner, parseCoseSign1, type CoseSign1, type CoseSigner } from './cose.ts';
