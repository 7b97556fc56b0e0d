import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { getSession, markChecked, setSession } from '../auth/session.ts';

// Every type the screens use comes from the generated OpenAPI schema.
type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];
export type Area = Schemas['Area'];
export type AreaLevel = Schemas['AreaLevel'];
export type Facility = Schemas['Facility'];
export type FacilityType = Facility['type'];
export type Product = Schemas['Product'];
export type ImportReport = Schemas['ImportReport'];
export type Grant = Schemas['Grant'];
export type Role = Grant['role'];
export type StaffUser = Schemas['StaffUser'];
export type AuditEvent = Schemas['AuditEvent'];
export type SignedIn = Schemas['SignedIn'];
export type Person = Schemas['Person'];
export type IdType = Person['idType'];
export type Gender = Person['gender'];
export type PriorityGroup = Schemas['PriorityGroup'];
export type ProofRule = PriorityGroup['proofRule'];

type Json200<P extends keyof paths> = paths[P]['get'] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;
export type RegistrationSettings = Json200<'/api/registration/settings'>;
export type PublicArea = Json200<'/api/public/areas'>[number];
export type PublicFacility = Json200<'/api/public/facilities'>[number];
export type PersonCorrection = Json200<'/api/people/{id}/corrections'>[number];

type JsonBody<P extends keyof paths, M extends 'post' | 'put' | 'patch'> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;
export type AreaCreate = JsonBody<'/api/areas', 'post'>;
export type AreaUpdate = JsonBody<'/api/areas/{id}', 'patch'>;
export type FacilityCreate = JsonBody<'/api/facilities', 'post'>;
export type FacilityUpdate = JsonBody<'/api/facilities/{id}', 'patch'>;
export type ProductCreate = JsonBody<'/api/products', 'post'>;
export type ProductUpdate = JsonBody<'/api/products/{id}', 'patch'>;
export type UserCreate = JsonBody<'/api/users', 'post'>;
export type GrantCreate = JsonBody<'/api/users/{id}/grants', 'post'>;
export type RegistrationBody = JsonBody<'/api/citizen/people', 'post'>;
export type AssistedRegistrationBody = JsonBody<'/api/facilities/{id}/registrations', 'post'>;
export type PersonChanges = JsonBody<'/api/people/{id}', 'patch'>['changes'];
export type PriorityGroupInput = JsonBody<'/api/priority-groups/{code}', 'post'>;

export const ROLES = [
  'national_admin',
  'area_admin',
  'facility_manager',
  'vaccinator',
  'store_keeper',
  'auditor',
  'help_desk',
] as const satisfies readonly Role[];

export const FACILITY_TYPES = [
  'vaccination_centre',
  'hospital',
  'clinic',
  'outreach_site',
  'store',
] as const satisfies readonly FacilityType[];

/** A failed API call. `message` is the server's text for a person (empty when there was no answer). */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
    /** Seconds to wait before asking again, from the Retry-After header of a 429 answer. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (!v || typeof v !== 'object' || !('error' in v)) return false;
  const e = v.error;
  return !!e && typeof e === 'object' && 'message' in e && typeof e.message === 'string';
}

function retryAfterOf(response: Response): number | undefined {
  const raw = response.headers.get('Retry-After');
  if (!raw) return undefined;
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw) : (Date.parse(raw) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : undefined;
}

function toApiError(error: unknown, response: Response): ApiError {
  const retryAfter = retryAfterOf(response);
  if (isErrorBody(error)) {
    const { code, message, requestId, details } = error.error;
    return new ApiError(response.status, code, message, requestId, details, retryAfter);
  }
  return new ApiError(response.status, 'http_error', '', undefined, undefined, retryAfter);
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError with the server's
 * message. Network failures become ApiError with status 0.
 */
export async function unwrap<T, E>(call: Promise<{ data?: T; error?: E; response: Response }>): Promise<T> {
  let result: { data?: T; error?: E; response: Response };
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : '');
  }
  if (!result.response.ok) throw toApiError(result.error, result.response);
  return result.data as T;
}

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

// ---- Refresh: one at a time, because the refresh token rotates on every use. ----

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh cookie for a new access token. Resolves false when there is no live sign-in. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const { data, response } = await api.POST('/api/auth/refresh', { body: {} });
      if (!response.ok || !data) return false;
      setSession({ accessToken: data.accessToken, user: data.user });
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

let restoring: Promise<void> | null = null;

/** On page load without a stored token, tries once, silently, to resume the sign-in from the cookie. */
export function restoreSession(): Promise<void> {
  restoring ??= (async () => {
    if (getSession()) return;
    await refreshSession();
    markChecked();
  })();
  return restoring;
}

const NO_BEARER = new Set(['/api/auth/sign-in', '/api/auth/refresh']);
const retryCopies = new Map<string, Request>();

const authMiddleware: Middleware = {
  onRequest({ request, schemaPath, id }) {
    if (NO_BEARER.has(schemaPath)) return undefined;
    const token = getSession()?.accessToken;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    // Keep an unread copy so the request can be sent again after a refresh.
    if (!schemaPath.startsWith('/api/auth/')) retryCopies.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const copy = retryCopies.get(id);
    retryCopies.delete(id);
    if (response.status !== 401 || !copy) return undefined;
    if (await refreshSession()) {
      const token = getSession()?.accessToken;
      if (token) copy.headers.set('Authorization', `Bearer ${token}`);
      return fetch(copy);
    }
    // The sign-in has ended: forget it here too (the console sends the user to sign in again).
    setSession(null);
    return undefined;
  },
  onError({ id }) {
    retryCopies.delete(id);
  },
};

api.use(authMiddleware);

/** Sends CSV text as it is (for the bulk import endpoints). */
export const csvUpload = {
  bodySerializer: (body: string) => body,
  headers: { 'Content-Type': 'text/csv' },
} as const;
