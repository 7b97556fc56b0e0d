import { useSyncExternalStore } from 'react';
import type { components } from '../api/schema';

/** The signed-in staff member, as the sign-in and refresh endpoints return them. */
export type SessionUser = components['schemas']['SignedIn']['user'];

export interface Session {
  accessToken: string;
  user: SessionUser;
}

export interface SessionState {
  session: Session | null;
  /**
   * False until we know whether there is a sign-in: a stored access token, or the answer to one
   * silent refresh (from the httpOnly refresh cookie) on page load.
   */
  checked: boolean;
}

// The access token lives in memory and in sessionStorage (so a reload of the tab keeps the
// sign-in), never in localStorage. The refresh token is an httpOnly cookie the page never sees.
const STORAGE_KEY = 'dosewise.session';

function readStored(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (
      parsed &&
      typeof parsed === 'object' &&
      'accessToken' in parsed &&
      typeof parsed.accessToken === 'string' &&
      'user' in parsed &&
      parsed.user &&
      typeof parsed.user === 'object'
    ) {
      return parsed as Session;
    }
  } catch {
    // Storage unavailable or corrupt: start signed out.
  }
  return null;
}

const stored = readStored();
let state: SessionState = { session: stored, checked: stored !== null };
const listeners = new Set<() => void>();

function update(next: Partial<SessionState>) {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

export function getSession(): Session | null {
  return state.session;
}

export function setSession(session: Session | null) {
  try {
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Private mode or full storage: the session still works for this page.
  }
  update({ session, checked: true });
}

export function markChecked() {
  if (!state.checked) update({ checked: true });
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSessionState(): SessionState {
  return useSyncExternalStore(subscribe, () => state);
}
