import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { endCitizenSession, getCitizenSession } from '../auth/citizenSession.ts';

/**
 * The client for the citizen pages. It sends the citizen's token (from the phone code), never the
 * staff one, and a refused token ends the citizen session only: there is no refresh, the person
 * asks for a new code.
 */
export const citizenApi = createClient<paths>({ baseUrl: '', credentials: 'omit' });

/** The citizen routes behind the phone sign-in: the family's people and their appointments. */
const withToken = (schemaPath: string) =>
  schemaPath.startsWith('/api/citizen/people') || schemaPath.startsWith('/api/citizen/appointments');

const citizenAuth: Middleware = {
  onRequest({ request, schemaPath }) {
    if (!withToken(schemaPath)) return undefined;
    const token = getCitizenSession()?.token;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, schemaPath }) {
    if (response.status === 401 && withToken(schemaPath)) endCitizenSession('expired');
    return undefined;
  },
};

citizenApi.use(citizenAuth);
