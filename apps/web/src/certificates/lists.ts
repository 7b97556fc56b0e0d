/**
 * The trust list and revocation lists the verify page checks certificates against, kept in the
 * browser with the time they were fetched, so that certificates verify without a connection
 * once the page has been opened online. Verification happens on the device, with the
 * certificate library loaded as its own chunk; online, the server's check fills in what the
 * device cannot do by itself (the EU DCC schema, which the page does not carry).
 */
import type { CheckedCertificate } from './types.ts';

const STORAGE_KEY = 'dosewise.verify.lists.v1';
/** Online, lists older than this are fetched again before a certificate is checked. */
const REFRESH_AFTER_MS = 60_000;

export interface KeptLists {
  trust: unknown;
  revocations: unknown;
  /** When the lists were fetched (ISO time). */
  fetchedAt: string;
}

export function keptLists(): KeptLists | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<KeptLists>;
    if (!v || typeof v.fetchedAt !== 'string' || !v.trust || !v.revocations) return null;
    return { trust: v.trust, revocations: v.revocations, fetchedAt: v.fetchedAt };
  } catch {
    return null;
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** Fetches both lists and keeps them; throws when either cannot be fetched (the old ones stay). */
export async function refreshLists(): Promise<KeptLists> {
  const [trust, revocations] = await Promise.all([
    getJson('/api/public/trust-list'),
    getJson('/api/public/revocations'),
  ]);
  const lists: KeptLists = { trust, revocations, fetchedAt: new Date().toISOString() };
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(lists));
  } catch {
    // A full or blocked storage: the lists still serve this visit.
  }
  return lists;
}

export interface Check {
  result: CheckedCertificate;
  /** Who decided: the device with the kept lists, or the server. */
  by: 'device' | 'server';
  /** The lists the device used (by `device`). */
  listsAsOf: string | null;
  /** An EU DCC whose structure was not checked against the EU schema (the device has no copy). */
  schemaSkipped: boolean;
}

async function verifyOnServer(text: string): Promise<CheckedCertificate> {
  const res = await fetch('/api/public/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
    credentials: 'omit',
  });
  if (!res.ok) throw new Error(`verify: ${res.status}`);
  const { nameVaccines } = await import('./verifier.ts');
  const r = (await res.json()) as CheckedCertificate;
  return { ...r, holder: r.holder ? nameVaccines(r.holder) : null };
}

/**
 * Checks a QR text. On the device whenever lists are kept (fetched again first when online and
 * old); with the server when the device has no lists yet. An EU DCC that passes every check
 * but the schema is asked of the server when online, and otherwise shown as valid with the
 * schema check named as skipped.
 */
export async function checkCertificate(
  text: string,
  online: boolean,
  onLists: (lists: KeptLists) => void,
): Promise<Check> {
  let lists = keptLists();
  if (online && (!lists || Date.now() - Date.parse(lists.fetchedAt) > REFRESH_AFTER_MS)) {
    try {
      lists = await refreshLists();
      onLists(lists);
    } catch {
      // Offline after all, or the server is down: the kept lists decide.
    }
  }
  if (!lists) {
    return { result: await verifyOnServer(text), by: 'server', listsAsOf: null, schemaSkipped: false };
  }
  const { verifyWithLists } = await import('./verifier.ts');
  const result = await verifyWithLists(text, lists);
  const onlySchemaMissing =
    result.format === 'eu-dcc' && result.reasons.length === 1 && result.reasons[0] === 'schema_unavailable';
  if (!onlySchemaMissing) return { result, by: 'device', listsAsOf: lists.fetchedAt, schemaSkipped: false };
  if (online) {
    try {
      const server = await verifyOnServer(text);
      if (!server.reasons.includes('schema_unavailable'))
        return { result: server, by: 'server', listsAsOf: null, schemaSkipped: false };
    } catch {
      // Fall back to the device's answer below.
    }
  }
  return {
    result: { ...result, valid: true, reasons: [] },
    by: 'device',
    listsAsOf: lists.fetchedAt,
    schemaSkipped: true,
  };
}
