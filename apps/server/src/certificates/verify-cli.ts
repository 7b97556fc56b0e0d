import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  createDccSchemaValidator,
  parseInstant,
  RevocationIndex,
  TrustStore,
  verificationReport,
  verifyCertificate,
  type DccSchemaValidator,
  type RevocationLists,
  type TrustList,
} from '@dosewise/certificates';

export interface VerifyCliIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = `usage: dosewise verify --at <ISO time> --trust <trust file> [--revocations <file>] [--schema <file>] < qr.txt

Reads a certificate's QR text on standard input (an EU DCC "HC1:...", a SMART Health Card
"shc:/..." or its "shc:/i/n/..." chunks one per line, or a native "DWV1:..."), verifies it as of
--at against the trust list, and prints one JSON object: format, valid, one boolean per check
(decoded, signature, trusted, keyUsage, notExpired, notRevoked, schema) and reasons.
Exit status: 0 valid, 1 invalid, 2 usage error.

  --trust        JSON: { "dcc": [{ "kid": "<base64>", "certificate": "<base64 DER>" }],
                         "shc": [{ "iss": "<url>", "jwks": { "keys": [...] } }] }
  --revocations  JSON: { "dcc": [{ "kid"?: "<base64>", "hashType": "UCI" | "COUNTRYCODEUCI" | "SIGNATURE",
                                   "hashes": ["<base64 of the first 16 bytes of the SHA-256>"] }],
                         "shc": [{ "iss": "<url>", "kid": "<kid>", "method": "rid", "ctr": 1,
                                   "rids": ["<rid>" | "<rid>.<seconds: revoked if nbf is before>"] }] }
  --schema       the EU DCC JSON schema (DCC.combined-schema.json); default: $DOSEWISE_DCC_SCHEMA,
                 else ../shared/testdata/eu-dcc-schema/DCC.combined-schema.json when present.
                 Without one, an EU DCC fails its schema check (schema_unavailable).`;

const DEFAULT_SCHEMA_PATH = '../shared/testdata/eu-dcc-schema/DCC.combined-schema.json';

class UsageError extends Error {}

/**
 * `dosewise verify`: verifies one certificate offline and prints the verdict as JSON.
 *
 * The revocations file (`--revocations`) holds the EU DCC style hash lists (each hash is base64
 * of the first 16 bytes of SHA-256 over the certificate id (`UCI`), the issuing country followed
 * by the certificate id (`COUNTRYCODEUCI`), or the signature, its `r` half for ECDSA
 * (`SIGNATURE`); a batch with a `kid` applies to certificates signed by that DSC only), which
 * also cover the native `DWV1:` certificates, and SMART Health Card `rid` lists as issuers
 * publish them per key (`rid` alone revokes every card with that rid, `rid.<seconds>` those whose
 * `nbf` is earlier). Returns the exit code: 0 valid, 1 invalid, 2 usage error.
 */
export async function runVerifyCli(argv: string[], io: VerifyCliIo): Promise<number> {
  try {
    const args = argv[0] === 'verify' ? argv.slice(1) : argv;
    const { values } = parseArgs({
      args,
      options: {
        at: { type: 'string' },
        trust: { type: 'string' },
        revocations: { type: 'string' },
        schema: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!values.at) throw new UsageError('--at <ISO time> is required');
    if (!values.trust) throw new UsageError('--trust <file> is required');
    const now = parseInstant(values.at);
    if (!now) throw new UsageError(`--at: "${values.at}" is not an ISO 8601 date-time`);
    const trustList = await readJson(values.trust, '--trust');
    if (!isTrustList(trustList)) throw new UsageError('--trust: expected { "dcc": [...], "shc": [...] }');
    const revocations = values.revocations ? await readJson(values.revocations, '--revocations') : undefined;
    if (revocations !== undefined && !isRevocationLists(revocations))
      throw new UsageError('--revocations: expected { "dcc": [...], "shc": [...] }');
    const dccSchema = await loadSchema(values.schema);

    const text = (await readAll(io.stdin)).trim();
    if (!text) throw new UsageError('no QR text on standard input');
    const trust = await TrustStore.create(trustList);
    if (trust.rejected.length)
      io.stderr.write(`dosewise verify: ignored trust list entries: ${trust.rejected.join(', ')}\n`);
    const result = await verifyCertificate(text, {
      trust,
      now,
      ...(revocations ? { revocations: new RevocationIndex(revocations) } : {}),
      ...(dccSchema ? { dccSchema } : {}),
    });
    io.stdout.write(`${JSON.stringify(verificationReport(result))}\n`);
    return result.valid ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError || isArgsError(e)) {
      io.stderr.write(`dosewise verify: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

function isArgsError(e: unknown): boolean {
  const code = e instanceof TypeError ? (e as TypeError & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

async function readJson(path: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`${option}: cannot read ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${option}: ${path} is not JSON`);
  }
}

async function loadSchema(path: string | undefined): Promise<DccSchemaValidator | undefined> {
  const explicit = path ?? process.env.DOSEWISE_DCC_SCHEMA;
  const candidate = explicit ?? DEFAULT_SCHEMA_PATH;
  let text: string;
  try {
    text = await readFile(candidate, 'utf8');
  } catch {
    if (explicit) throw new UsageError(`--schema: cannot read ${candidate}`);
    return undefined;
  }
  try {
    return createDccSchemaValidator(JSON.parse(text) as object);
  } catch {
    throw new UsageError(`--schema: ${candidate} is not a JSON schema`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isTrustList(x: unknown): x is TrustList {
  return (
    isObject(x) &&
    (x.dcc === undefined || Array.isArray(x.dcc)) &&
    (x.shc === undefined || Array.isArray(x.shc))
  );
}

function isRevocationLists(x: unknown): x is RevocationLists {
  return (
    isObject(x) &&
    (x.dcc === undefined || Array.isArray(x.dcc)) &&
    (x.shc === undefined || Array.isArray(x.shc))
  );
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
