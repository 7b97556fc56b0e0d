export * from './dates.ts';
export * from './identity.ts';
export * from './eligibility.ts';
export * from './registration-number.ts';
export * from './phone.ts';
export { asciiDigits, compactNumber } from './text.ts';
export { ISO_3166_ALPHA2 } from './countries.ts';
export * from './doses.ts';
export * from './scheduler.ts';
