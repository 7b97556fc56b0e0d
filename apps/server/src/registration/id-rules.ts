import { DEFAULT_ID_RULES, type IdRules } from '@dosewise/domain';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../config.ts';

const Format = Type.Object(
  {
    length: Type.Integer({ minimum: 4, maximum: 30 }),
    check: Type.Union([Type.Literal('luhn'), Type.Literal('none')]),
  },
  { additionalProperties: false },
);
const Ages = {
  minAgeYears: Type.Optional(Type.Integer({ minimum: 0 })),
  maxAgeYears: Type.Optional(Type.Integer({ minimum: 0 })),
};
const IdRulesSchema = Type.Object(
  {
    issuingCountry: Type.String({ pattern: '^[A-Z]{2}$' }),
    nid: Type.Object(
      { formats: Type.Array(Format, { minItems: 1 }), ...Ages },
      { additionalProperties: false },
    ),
    birth_registration: Type.Object(
      { formats: Type.Array(Format, { minItems: 1 }), ...Ages },
      { additionalProperties: false },
    ),
    passport: Type.Object(
      { pattern: Type.String({ minLength: 1 }), ...Ages },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** ID_RULES from the configuration (JSON), checked like every other setting; Bangladesh's rules by default. */
export function idRulesFromConfig(json: string | undefined): IdRules {
  if (!json) return DEFAULT_ID_RULES;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ConfigError('ID_RULES is not valid JSON.');
  }
  const problem = [...Value.Errors(IdRulesSchema, value)][0];
  if (problem) throw new ConfigError(`ID_RULES${problem.path.replace(/\//g, '.')}: ${problem.message}`);
  try {
    new RegExp((value as IdRules).passport.pattern);
  } catch {
    throw new ConfigError('ID_RULES.passport.pattern is not a valid regular expression.');
  }
  return value as IdRules;
}
