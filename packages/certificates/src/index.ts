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
