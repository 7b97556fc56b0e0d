/** The part of cose-js the tests use as an independent COSE verifier. */
declare module 'cose-js' {
  export const sign: {
    verify(
      message: Uint8Array,
      verifier: { key: { x: Uint8Array; y: Uint8Array } },
      options?: { defaultType?: number },
    ): Promise<Uint8Array>;
  };
}
