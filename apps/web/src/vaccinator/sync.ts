import { useSyncExternalStore } from 'react';
import { api, ApiError, unwrap } from '../api/client.ts';
import type { SyncRecord } from '../api/vaccination.ts';
import { addDose, allDoses, deviceId, removeDoses, updateDose, type LocalDose } from './offlineStore.ts';

/** Records per upload; the server takes at most SYNC_BATCH_MAX (500 by default) in one request. */
const BATCH = 100;

export interface ClockWarning {
  skewMs: number;
  serverTime: string;
}

export interface SyncState {
  online: boolean;
  doses: LocalDose[];
  syncing: boolean;
  lastSyncAt: string | null;
  clock: ClockWarning | null;
  error: unknown;
}

let state: SyncState = {
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  doses: [],
  syncing: false,
  lastSyncAt: null,
  clock: null,
  error: null,
};
const listeners = new Set<() => void>();
const syncedListeners = new Set<() => void>();

/** Called after each upload that reached the server; returns the way to stop listening. */
export function onSynced(listener: () => void): () => void {
  syncedListeners.add(listener);
  return () => {
    syncedListeners.delete(listener);
  };
}

function update(next: Partial<SyncState>) {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSyncState(): SyncState {
  return useSyncExternalStore(subscribe, () => state);
}

export function setOnline(online: boolean) {
  if (online !== state.online) update({ online });
}

export async function refreshDoses(): Promise<void> {
  update({ doses: await allDoses() });
}

/** Keeps a dose on the device until the server confirms it. */
export async function queueDose(userId: number, record: SyncRecord, registrationNumber: string) {
  await addDose({ clientId: record.clientId, userId, record, registrationNumber, status: 'pending' });
  await refreshDoses();
}

/** Forgets doses the server has answered for (stored, already stored, sent for review) or that were refused. */
export async function dismissDoses(clientIds: readonly string[]) {
  await removeDoses(clientIds);
  await refreshDoses();
}

/**
 * Uploads this user's pending doses in batches and records each one's result. Doses the server
 * has already answered for are dropped from the device first: only what is still open stays.
 */
export async function syncNow(userId: number): Promise<void> {
  if (state.syncing) return;
  update({ syncing: true, error: null });
  try {
    const before = await allDoses();
    const answered = before.filter(
      (d) => d.userId === userId && d.status !== 'pending' && d.status !== 'rejected',
    );
    if (answered.length) await removeDoses(answered.map((d) => d.clientId));
    const pending = before.filter((d) => d.userId === userId && d.status === 'pending');
    const device = await deviceId();
    for (let i = 0; i < pending.length; i += BATCH) {
      const batch = pending.slice(i, i + BATCH);
      const answer = await unwrap(
        api.POST('/api/vaccinator/sync', {
          body: {
            deviceId: device,
            deviceTime: new Date().toISOString(),
            records: batch.map((d) => d.record),
          },
        }),
      );
      update({
        clock: answer.clockSkewed ? { skewMs: answer.clockSkewMs, serverTime: answer.serverTime } : null,
      });
      for (const r of answer.results) {
        await updateDose(r.clientId, {
          status: r.status,
          code: r.code ?? undefined,
          message: r.message ?? undefined,
        });
      }
      await refreshDoses();
    }
    update({ lastSyncAt: new Date().toISOString() });
    if (pending.length) for (const l of syncedListeners) l();
  } catch (e) {
    // Offline again, or the sign-in ended: the doses stay pending for the next try.
    update({ error: e instanceof ApiError ? e : new ApiError(0, 'network', '') });
  } finally {
    await refreshDoses();
    update({ syncing: false });
  }
}
