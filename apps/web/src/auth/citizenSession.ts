import { useSyncExternalStore } from 'react';

/** A citizen signed in with a code sent to their phone. Separate from the staff session in every way. */
export interface CitizenSession {
  token: string;
  /** Epoch milliseconds after which the server no longer accepts the token. */
  expiresAt: number;
  /** The phone the code went to, E.164, to show whose family list this is. */
  phone: string;
}

export interface CitizenState {
  session: CitizenSession | null;
  /** Why the last session ended without the person signing out: shown on the sign-in step. */
  ended: 'expired' | null;
}

// Like the staff token: in memory and in sessionStorage (a reload keeps it, closing the tab ends it),
// never in localStorage. Its own key, so a staff sign-in in the same browser is never mixed up with it.
const STORAGE_KEY = 'dosewise.citizen';

function readStored(): CitizenSession | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (
      parsed &&
      typeof parsed === 'object' &&
      'token' in parsed &&
      typeof parsed.token === 'string' &&
      'expiresAt' in parsed &&
      typeof parsed.expiresAt === 'number' &&
      'phone' in parsed &&
      typeof parsed.phone === 'string' &&
      parsed.expiresAt > Date.now()
    ) {
      return parsed as CitizenSession;
    }
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage unavailable or corrupt: start signed out.
  }
  return null;
}

let state: CitizenState = { session: readStored(), ended: null };
const listeners = new Set<() => void>();

function update(next: CitizenState) {
  state = next;
  for (const l of listeners) l();
}

export function getCitizenSession(): CitizenSession | null {
  if (state.session && state.session.expiresAt <= Date.now()) endCitizenSession('expired');
  return state.session;
}

export function setCitizenSession(session: CitizenSession) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Private mode or full storage: the session still works for this page.
  }
  update({ session, ended: null });
}

/** Forgets the citizen's token: on sign-out (no reason) or when the server refused it ('expired'). */
export function endCitizenSession(reason: 'expired' | null = null) {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
  if (state.session || state.ended !== reason) update({ session: null, ended: reason });
}

export function subscribeCitizen(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useCitizenState(): CitizenState {
  return useSyncExternalStore(subscribeCitizen, () => state);
}
