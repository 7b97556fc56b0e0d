import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FacilityPack, SyncRecord, SyncStatus } from '../api/vaccination.ts';

/**
 * What the vaccinator's device keeps: the facility pack (the day's appointments with the minimum
 * personal data, products, lots and the card keys) and the doses recorded here that the server has
 * not yet confirmed. Doses keep ids and the registration number only, never names or ID numbers.
 */
export type LocalDoseStatus = 'pending' | SyncStatus;

export interface LocalDose {
  /** Made on the device (crypto.randomUUID): the server stores a dose once per id. */
  clientId: string;
  /** The staff member who recorded it: only they upload it. */
  userId: number;
  record: SyncRecord;
  registrationNumber: string;
  status: LocalDoseStatus;
  code?: string;
  message?: string;
}

export interface StoredPack {
  facilityId: number;
  pack: FacilityPack;
  savedAt: string;
  /** Server clock minus device clock when the pack arrived, in milliseconds. */
  clockSkewMs: number;
}

interface VaccinatorDb extends DBSchema {
  packs: { key: number; value: StoredPack };
  doses: { key: string; value: LocalDose };
  meta: { key: string; value: string };
}

const DB_NAME = 'dosewise-vaccinator';
let opening: Promise<IDBPDatabase<VaccinatorDb>> | null = null;

function db(): Promise<IDBPDatabase<VaccinatorDb>> {
  opening ??= openDB<VaccinatorDb>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('packs', { keyPath: 'facilityId' });
      d.createObjectStore('doses', { keyPath: 'clientId' });
      d.createObjectStore('meta');
    },
  });
  return opening;
}

export async function savePack(facilityId: number, pack: FacilityPack): Promise<StoredPack> {
  const now = new Date();
  const stored = {
    facilityId,
    pack,
    savedAt: now.toISOString(),
    clockSkewMs: Date.parse(pack.serverTime) - now.getTime(),
  };
  await (await db()).put('packs', stored);
  return stored;
}

export async function loadPack(facilityId: number): Promise<StoredPack | undefined> {
  return (await db()).get('packs', facilityId);
}

/** At sign-out: the appointments of the day leave the device. */
export async function clearPacks(): Promise<void> {
  await (await db()).clear('packs');
}

export async function addDose(dose: LocalDose): Promise<void> {
  await (await db()).put('doses', dose);
}

export async function allDoses(): Promise<LocalDose[]> {
  return (await db()).getAll('doses');
}

export async function updateDose(clientId: string, change: Partial<LocalDose>): Promise<void> {
  const d = await db();
  const tx = d.transaction('doses', 'readwrite');
  const current = await tx.store.get(clientId);
  if (current) await tx.store.put({ ...current, ...change });
  await tx.done;
}

export async function removeDoses(clientIds: readonly string[]): Promise<void> {
  const d = await db();
  const tx = d.transaction('doses', 'readwrite');
  await Promise.all([...clientIds.map((id) => tx.store.delete(id)), tx.done]);
}

/** A stable id for this device, sent with every upload. */
export async function deviceId(): Promise<string> {
  const d = await db();
  const existing = await d.get('meta', 'deviceId');
  if (existing) return existing;
  const id = crypto.randomUUID();
  await d.put('meta', id, 'deviceId');
  return id;
}
