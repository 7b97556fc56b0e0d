import type { paths } from './schema';

// Types of the vaccination, side-effect and stock screens, all from the generated OpenAPI schema.
type Get200<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;
type Post2xx<P extends keyof paths> = paths[P] extends {
  post: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : paths[P] extends { post: { responses: { 201: { content: { 'application/json': infer R } } } } }
    ? R
    : never;
type PostBody<P extends keyof paths> = paths[P] extends {
  post: { requestBody?: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type FacilityPack = Get200<'/api/vaccinator/facilities/{id}/pack'>;
export type PackAppointment = FacilityPack['appointments'][number];
export type PackProduct = FacilityPack['products'][number];
export type PackLot = FacilityPack['lots'][number];
export type VaccinatorQueue = Get200<'/api/vaccinator/facilities/{id}/queue'>;
export type Lookup = Post2xx<'/api/vaccinator/lookup'>;
export type LookupBody = PostBody<'/api/vaccinator/lookup'>;
export type DoseBody = PostBody<'/api/people/{id}/doses'>;
export type BodySite = DoseBody['bodySite'];
export type IdentityCheck = DoseBody['identityCheck'];
export type DoseView = Get200<'/api/people/{id}/doses'>['items'][number];
export type SyncBody = PostBody<'/api/vaccinator/sync'>;
export type SyncRecord = SyncBody['records'][number];
export type SyncAnswer = Post2xx<'/api/vaccinator/sync'>;
export type SyncResult = SyncAnswer['results'][number];
export type SyncStatus = SyncResult['status'];
export type DoseReview = Get200<'/api/dose-reviews'>['items'][number];

export type AefiBody = PostBody<'/api/people/{id}/aefi'>;
export type AefiSeverity = AefiBody['severity'];
export type AefiOutcome = AefiBody['outcome'];
export type AefiReport = Get200<'/api/aefi'>['items'][number];
export type AefiDetail = Get200<'/api/aefi/{personId}/{id}'>;
export type AefiSymptoms = Get200<'/api/aefi/symptoms'>;
export type AefiLots = Get200<'/api/aefi/lots'>;
export type InvestigationBody = PostBody<'/api/aefi/{personId}/{id}/investigation'>;
export type OfficerAlerts = Get200<'/api/alerts'>;

export const BODY_SITES = [
  'left_deltoid',
  'right_deltoid',
  'left_thigh',
  'right_thigh',
  'oral',
  'other',
] as const satisfies readonly BodySite[];

export const AEFI_OUTCOMES = [
  'recovered',
  'recovering',
  'not_recovered',
  'recovered_with_sequelae',
  'died',
  'unknown',
] as const satisfies readonly AefiOutcome[];
