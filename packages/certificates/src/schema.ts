/**
 * EU DCC payload validation against the DCC JSON schema (JSON Schema 2020-12), with Ajv.
 *
 * The schema is given, not bundled: the server loads the published `DCC.combined-schema.json`
 * it is configured with, a browser verifier fetches it with the trust list. `format` is an
 * annotation in 2020-12, so formats are not asserted: structure and types are.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

/** Validates an `hcert` payload; returns the schema errors as short texts, empty when valid. */
export type DccSchemaValidator = (payload: unknown) => string[];

export function createDccSchemaValidator(schema: object): DccSchemaValidator {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  const validate = ajv.compile(schema);
  return (payload) => {
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  };
}
