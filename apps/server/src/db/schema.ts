import type { ColumnType, Generated } from 'kysely';

/** Kysely table types; they follow the SQL in ../../migrations, one interface per table. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Id = Generated<number>;

export interface AreaLevelTable {
  depth: number;
  code: string;
  name_en: string;
  name_bn: string;
}

export interface AreaTable {
  id: Id;
  code: string;
  parent_id: number | null;
  depth: number;
  path: string;
  name_en: string;
  name_bn: string;
  population: number | null;
  postcode: string | null;
  latitude: number | null;
  longitude: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type FacilityType = 'vaccination_centre' | 'hospital' | 'clinic' | 'outreach_site' | 'store';

export interface FacilityTable {
  id: Id;
  code: string;
  name_en: string;
  name_bn: string;
  type: FacilityType;
  area_id: number;
  address: Generated<string>;
  latitude: number | null;
  longitude: number | null;
  daily_capacity: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface VaccineProductTable {
  id: Id;
  code: string;
  name: string;
  manufacturer: string;
  eu_product_code: string | null;
  eu_prophylaxis_code: string | null;
  eu_manufacturer_code: string | null;
  icd11_code: string | null;
  cvx_code: string | null;
  snomed_code: string | null;
  atc_code: string | null;
  primary_doses: number;
  min_interval_days: number;
  recommended_interval_days: number;
  booster_allowed: Generated<boolean>;
  booster_min_interval_days: number | null;
  min_age_years: number;
  doses_per_vial: number;
  open_vial_hours: number;
  storage_min_c: number;
  storage_max_c: number;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type Role =
  | 'national_admin'
  | 'area_admin'
  | 'facility_manager'
  | 'vaccinator'
  | 'store_keeper'
  | 'auditor'
  | 'help_desk';

export interface StaffUserTable {
  id: Id;
  username: string;
  display_name: string;
  password_hash: string;
  active: Generated<boolean>;
  failed_sign_ins: Generated<number>;
  locked_until: Timestamp | null;
  created_at: Generated<Date>;
  created_by: number | null;
}

export interface RoleGrantTable {
  id: Id;
  user_id: number;
  role: Role;
  area_id: number | null;
  facility_id: number | null;
  granted_by: number | null;
  granted_at: Generated<Date>;
  revoked_by: number | null;
  revoked_at: Timestamp | null;
}

export interface StaffSessionTable {
  id: string;
  user_id: number;
  refresh_hash: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  user_agent: string | null;
}

export type ActorKind = 'staff' | 'citizen' | 'system' | 'anonymous';

export interface AuditEventTable {
  id: Id;
  occurred_at: Generated<Date>;
  actor_kind: ActorKind;
  actor_id: number | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  area_id: number | null;
  request_id: string | null;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface RegistryPersonTable {
  id_type: string;
  id_number: string;
  name_en: string;
  name_bn: string;
  date_of_birth: string;
  gender: 'female' | 'male' | 'third_gender';
  phone: string | null;
  area_code: string;
}

export interface CitizenAccountTable {
  id: Id;
  phone_blind: string;
  phone_enc: string;
  created_at: Generated<Date>;
  last_sign_in_at: Timestamp | null;
  /** People of this phone not removed (migrations/0006). */
  family_size: Generated<number>;
}

export interface OtpChallengeTable {
  id: string;
  phone_blind: string;
  phone_enc: string;
  code_hash: string;
  purpose: Generated<'sign_in'>;
  ip: string | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  attempts: Generated<number>;
  consumed_at: Timestamp | null;
  locked_at: Timestamp | null;
}

export type ProofRule = 'self_declared' | 'staff_approval' | 'roster';

export interface PriorityGroupTable {
  id: Id;
  code: string;
  version: number;
  name_en: string;
  name_bn: string;
  rank: number;
  min_age_years: number;
  max_age_years: number | null;
  proof_rule: ProofRule;
  opens_on: string;
  active: Generated<boolean>;
  created_by: number | null;
  created_at: Generated<Date>;
}

export interface PriorityRosterTable {
  group_code: string;
  id_type: string;
  id_blind: string;
  imported_by: number | null;
  imported_at: Generated<Date>;
}

export type IdType = 'nid' | 'birth_registration' | 'passport';
export type Gender = 'female' | 'male' | 'third_gender';
export type VerificationStatus = 'verified' | 'pending' | 'failed' | 'in_person';
export type PriorityStatus = 'accepted' | 'awaiting_approval' | 'rejected';

export interface PersonTable {
  id: Id;
  registration_number: string;
  citizen_account_id: number | null;
  id_type: IdType;
  id_blind: string;
  id_enc: string;
  id_last4: string;
  nationality: Generated<string>;
  name_en: string;
  name_bn: string | null;
  date_of_birth: string;
  gender: Gender;
  phone_blind: string | null;
  phone_enc: string | null;
  area_id: number;
  address_line: Generated<string>;
  occupation: string | null;
  comorbidities: Generated<string[]>;
  priority_group_id: number;
  priority_evidence: ColumnType<Record<string, unknown>, string | undefined, string>;
  priority_status: PriorityStatus;
  priority_approved_by: number | null;
  preferred_facility_id: number | null;
  preferred_product_id: number | null;
  consent_version: string;
  consent_at: Timestamp;
  verification_status: VerificationStatus;
  verification_checked_at: Timestamp | null;
  locale: Generated<'en' | 'bn'>;
  registered_via: 'self' | 'assisted';
  registered_by: number | null;
  registered_at: Generated<Date>;
  removed_at: Timestamp | null;
  removed_reason: string | null;
}

export interface IdentityClaimTable {
  id_type: string;
  id_blind: string;
  person_id: number;
  claimed_at: Generated<Date>;
}

export interface PersonCorrectionTable {
  id: Id;
  person_id: number;
  changes: ColumnType<Record<string, unknown>, string, string>;
  reason: string;
  corrected_by: number | null;
  corrected_at: Generated<Date>;
}

export interface NotificationTable {
  id: Id;
  channel: Generated<'sms'>;
  recipient_enc: string;
  template: string;
  locale: 'en' | 'bn';
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  person_id: number | null;
  status: Generated<'queued' | 'sending' | 'sent' | 'failed' | 'withdrawn'>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  provider_ref: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
  /** Kept by the database from the template: 0 codes, 1 a person's own action, 2 bulk (0010_outbox_order.sql). */
  priority: ColumnType<0 | 1 | 2, never, never>;
}

export interface JobTable {
  id: Id;
  kind: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  status: Generated<'queued' | 'running' | 'done' | 'failed'>;
  attempts: Generated<number>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Generated<Date>;
  finished_at: Timestamp | null;
}

export interface RateCounterTable {
  key: string;
  window_start: Date;
  count: number;
}

export type SessionStatus = 'open' | 'closed' | 'cancelled';

export interface VaccinationSessionTable {
  id: Id;
  facility_id: number;
  /** ISO date, 'YYYY-MM-DD'. */
  session_date: string;
  product_id: number;
  dose_numbers: number[];
  min_age_years: Generated<number>;
  max_age_years: number | null;
  /** 'HH:MM:SS'. */
  starts_at: string;
  ends_at: string;
  status: Generated<SessionStatus>;
  cancel_reason: string | null;
  created_by: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  settled_at: Timestamp | null;
}

export interface SessionSlotTable {
  id: Id;
  session_id: number;
  starts_at: string;
  ends_at: string;
  capacity: number;
  booked: Generated<number>;
}

export interface DoseTable {
  id: Id;
  person_id: number;
  dose_number: number;
  product_id: number;
  facility_id: number | null;
  administered_on: string;
  administered_at: Timestamp;
  appointment_id: number | null;
  recorded_by: number | null;
  recorded_at: Generated<Date>;
  voided_at: Timestamp | null;
  /** Added by migrations/0007. */
  lot_id: number | null;
  session_id: number | null;
  body_site: BodySite | null;
  identity_check: IdentityCheck | null;
  consent: boolean | null;
  vial_id: number | null;
  client_id: string | null;
  device_id: string | null;
  device_recorded_at: Timestamp | null;
  source: Generated<DoseSource>;
  flags: Generated<string[]>;
  created_by_correction: number | null;
  voided_by_correction: number | null;
}

export type BodySite = 'left_deltoid' | 'right_deltoid' | 'left_thigh' | 'right_thigh' | 'oral' | 'other';
export type IdentityCheck = 'slip_code' | 'card_qr' | 'id_document' | 'registration_number';
export type DoseSource = 'online' | 'offline' | 'correction' | 'import';

export type AppointmentStatus = 'booked' | 'attended' | 'missed' | 'cancelled';
export type BookedVia = 'citizen' | 'staff' | 'auto';
export type CancelReason = 'person' | 'session_cancelled' | 'staff';

export interface AppointmentTable {
  id: Id;
  person_id: number;
  dose_number: number;
  session_id: number;
  slot_id: number;
  facility_id: number;
  product_id: number;
  session_date: string;
  code: string;
  status: Generated<AppointmentStatus>;
  booked_via: BookedVia;
  booked_by_account: number | null;
  booked_by_staff: number | null;
  idempotency_key: string | null;
  reschedule_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  cancelled_at: Timestamp | null;
  cancel_reason: CancelReason | null;
  attended_at: Timestamp | null;
  missed_at: Timestamp | null;
  reminded_at: Timestamp | null;
}

export type WaitingReason = 'registered' | 'next_dose' | 'person_cancelled' | 'session_cancelled' | 'missed';

export interface WaitingEntryTable {
  person_id: number;
  dose_number: number;
  product_id: number | null;
  facility_id: number | null;
  earliest_date: string;
  due_date: string | null;
  priority_rank: number;
  registered_at: Timestamp;
  reason: WaitingReason;
  since: Generated<Date>;
  unplaced_reason: string | null;
  unplaced_at: Timestamp | null;
}

export interface FacilityAttendanceTable {
  facility_id: number;
  session_date: string;
  attended: Generated<number>;
  missed: Generated<number>;
}

export interface ScheduleRunTable {
  id: Id;
  status: Generated<'running' | 'done' | 'failed'>;
  params: ColumnType<Record<string, unknown>, string, string>;
  progress: Generated<number>;
  phase: Generated<string>;
  summary: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: string | null;
  started_by: number | null;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
  /** Moved on at each step of a run (migrations/0004). */
  heartbeat_at: Generated<Date>;
}

export type StoreLevel = 'national' | 'division' | 'district' | 'upazila' | 'facility';

export interface StoreTable {
  facility_id: number;
  level: StoreLevel;
  parent_facility_id: number | null;
  created_at: Generated<Date>;
}

export interface LotTable {
  id: Id;
  product_id: number;
  lot_number: string;
  manufacturer: string;
  expires_on: ColumnType<string, string, string>;
  doses_per_vial: number;
  created_by: number | null;
  created_at: Generated<Date>;
}

export interface StockReceiptTable {
  id: Id;
  store_id: number;
  supplier: string;
  reference: string;
  received_on: ColumnType<string, string, string>;
  note: Generated<string>;
  recorded_by: number | null;
  created_at: Generated<Date>;
}

export interface StockDocumentTable {
  id: Id;
  receipt_id: number;
  file_name: string;
  content_type: string;
  content: Buffer;
  created_at: Generated<Date>;
}

export type AllocationStatus = 'draft' | 'approved' | 'cancelled';

export interface AllocationPlanTable {
  id: Id;
  from_store_id: number;
  product_id: number;
  total_doses: number;
  status: Generated<AllocationStatus>;
  note: Generated<string>;
  created_by: number | null;
  created_at: Generated<Date>;
  approved_by: number | null;
  approved_at: Timestamp | null;
}

export interface AllocationLineTable {
  plan_id: number;
  to_store_id: number;
  suggested_doses: number;
  doses: number;
  population: number | null;
  vaccinated: number | null;
}

export interface StockTransferTable {
  id: Id;
  from_store_id: number;
  to_store_id: number;
  plan_id: number | null;
  status: Generated<'dispatched' | 'received'>;
  note: Generated<string>;
  dispatched_by: number | null;
  dispatched_at: Generated<Date>;
  received_by: number | null;
  received_at: Timestamp | null;
}

export interface StockTransferLineTable {
  transfer_id: number;
  lot_id: number;
  dispatched_doses: number;
  received_doses: number | null;
  discrepancy_reason: string | null;
}

export type AdjustmentKind = 'breakage' | 'cold_chain_failure' | 'expiry' | 'count' | 'found' | 'other';

export interface StockAdjustmentTable {
  id: Id;
  store_id: number;
  lot_id: number;
  kind: AdjustmentKind;
  quantity_change: number;
  counted_doses: number | null;
  book_doses: number | null;
  reason: string;
  recorded_by: number | null;
  created_at: Generated<Date>;
}

export type VialCloseReason = 'used_up' | 'session_end' | 'expired' | 'damaged' | 'manual';

export interface OpenVialTable {
  id: Id;
  facility_id: number;
  lot_id: number;
  doses_per_vial: number;
  doses_used: Generated<number>;
  opened_at: Generated<Date>;
  usable_until: Timestamp;
  opened_by: number | null;
  closed_at: Timestamp | null;
  doses_wasted: number | null;
  close_reason: VialCloseReason | null;
}

export type StockParty =
  'supplier' | 'in_transit' | 'administered' | 'wasted' | 'expired' | 'damaged' | 'lost' | 'adjustment';
export type StockEntryKind =
  | 'receipt'
  | 'dispatch'
  | 'transfer_receipt'
  | 'transfer_discrepancy'
  | 'administered'
  | 'vial_wasted'
  | 'adjustment'
  | 'dose_correction';

export interface StockEntryTable {
  id: Id;
  lot_id: number;
  quantity: number;
  from_store_id: number | null;
  from_party: StockParty | null;
  to_store_id: number | null;
  to_party: StockParty | null;
  kind: StockEntryKind;
  receipt_id: number | null;
  transfer_id: number | null;
  adjustment_id: number | null;
  vial_id: number | null;
  person_id: number | null;
  dose_id: number | null;
  recorded_by: number | null;
  recorded_at: Generated<Date>;
}

export interface StockBalanceTable {
  store_id: number;
  lot_id: number;
  quantity: Generated<number>;
  updated_at: Generated<Date>;
}

export interface ProgrammeSettingTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export type DoseCorrectionKind =
  'wrong_lot' | 'wrong_person' | 'wrong_product' | 'wrong_date' | 'entered_in_error' | 'review_resolution';

export interface DoseCorrectionTable {
  id: Id;
  person_id: number;
  dose_id: number;
  kind: DoseCorrectionKind;
  reason: string;
  replacement_person_id: number | null;
  replacement_dose_id: number | null;
  corrected_by: number;
  created_at: Generated<Date>;
}

export interface DoseReviewTable {
  id: Id;
  person_id: number;
  reason: 'duplicate_dose' | 'conflict_elsewhere';
  existing_dose_id: number | null;
  record: ColumnType<Record<string, unknown>, string, string>;
  client_id: string | null;
  facility_id: number | null;
  recorded_by: number | null;
  status: Generated<'open' | 'kept_existing' | 'replaced_existing'>;
  resolved_by: number | null;
  resolved_at: Timestamp | null;
  resolution_note: string | null;
  created_at: Generated<Date>;
}

export type AefiSeverity = 'non_serious' | 'serious';
export type AefiOutcome =
  'recovered' | 'recovering' | 'not_recovered' | 'recovered_with_sequelae' | 'died' | 'unknown';
export type AefiInvestigationStatus = 'not_required' | 'open' | 'investigating' | 'closed';
export type AefiCausality =
  | 'vaccine_product_related'
  | 'vaccine_quality_defect'
  | 'immunization_error'
  | 'immunization_anxiety'
  | 'coincidental'
  | 'indeterminate'
  | 'unclassifiable';

export interface AefiReportTable {
  id: Id;
  person_id: number;
  dose_id: number;
  lot_id: number | null;
  product_id: number;
  facility_id: number | null;
  symptoms: string[];
  onset_at: Timestamp;
  severity: AefiSeverity;
  serious_criteria: Generated<string[]>;
  outcome: AefiOutcome;
  description: Generated<string>;
  reported_via: 'citizen' | 'staff';
  reported_by_staff: number | null;
  reported_by_account: number | null;
  investigation_status: Generated<AefiInvestigationStatus>;
  causality: AefiCausality | null;
  created_at: Generated<Date>;
}

export interface AefiInvestigationEventTable {
  id: Id;
  person_id: number;
  report_id: number;
  status: 'open' | 'investigating' | 'closed';
  note: string;
  causality: AefiCausality | null;
  recorded_by: number | null;
  created_at: Generated<Date>;
}

export type OfficerAlertKind = 'aefi_serious' | 'lot_signal' | 'stock_low' | 'lot_expiring' | 'dose_review';

export interface OfficerAlertTable {
  id: Id;
  area_id: number | null;
  kind: OfficerAlertKind;
  title: string;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Generated<Date>;
  acknowledged_by: number | null;
  acknowledged_at: Timestamp | null;
}

export interface DB {
  area_level: AreaLevelTable;
  area: AreaTable;
  facility: FacilityTable;
  vaccine_product: VaccineProductTable;
  staff_user: StaffUserTable;
  role_grant: RoleGrantTable;
  staff_session: StaffSessionTable;
  audit_event: AuditEventTable;
  'nid_registry.person': RegistryPersonTable;
  citizen_account: CitizenAccountTable;
  otp_challenge: OtpChallengeTable;
  priority_group: PriorityGroupTable;
  priority_roster: PriorityRosterTable;
  person: PersonTable;
  identity_claim: IdentityClaimTable;
  person_correction: PersonCorrectionTable;
  notification: NotificationTable;
  job: JobTable;
  rate_counter: RateCounterTable;
  vaccination_session: VaccinationSessionTable;
  session_slot: SessionSlotTable;
  dose: DoseTable;
  appointment: AppointmentTable;
  waiting_entry: WaitingEntryTable;
  facility_attendance: FacilityAttendanceTable;
  schedule_run: ScheduleRunTable;
  store: StoreTable;
  lot: LotTable;
  stock_receipt: StockReceiptTable;
  stock_document: StockDocumentTable;
  allocation_plan: AllocationPlanTable;
  allocation_line: AllocationLineTable;
  stock_transfer: StockTransferTable;
  stock_transfer_line: StockTransferLineTable;
  stock_adjustment: StockAdjustmentTable;
  open_vial: OpenVialTable;
  stock_entry: StockEntryTable;
  stock_balance: StockBalanceTable;
  programme_setting: ProgrammeSettingTable;
  dose_correction: DoseCorrectionTable;
  dose_review: DoseReviewTable;
  aefi_report: AefiReportTable;
  aefi_investigation_event: AefiInvestigationEventTable;
  officer_alert: OfficerAlertTable;
  certificate_signing_key: CertificateSigningKeyTable;
  certificate: CertificateTable;
  certificate_revocation: CertificateRevocationTable;
  rollup_registration: RollupRegistrationTable;
  rollup_appointment: RollupAppointmentTable;
  rollup_dose: RollupDoseTable;
  rollup_stock: RollupStockTable;
  cube_dose_area: CubeDoseAreaTable;
  cube_dose_trend: CubeDoseTrendTable;
  cube_registration_area: CubeRegistrationAreaTable;
  cube_registration_trend: CubeRegistrationTrendTable;
  cube_appointment_area: CubeAppointmentAreaTable;
  cube_facility_day: CubeFacilityDayTable;
  cube_vaccinator_day: CubeVaccinatorDayTable;
  cube_lot: CubeLotTable;
  population: PopulationTable;
  cube_population: CubePopulationTable;
  rollup_state: RollupStateTable;
}

/** Report rollups and cubes (migrations/0009_reports.sql); dates are 'YYYY-MM-DD' strings. */
type AppointmentMeasures = { booked: number; attended: number; missed: number; cancelled: number };
type PersonKey = { age_band: number; gender: Gender; group_id: number };

export type RollupRegistrationTable = PersonKey & { day: string; area_id: number; people: number };
export type RollupAppointmentTable = PersonKey &
  AppointmentMeasures & {
    day: string;
    area_id: number;
    facility_id: number;
    product_id: number;
    dose_number: number;
  };
export type RollupDoseTable = PersonKey & {
  day: string;
  area_id: number;
  /** 0: not given at a facility on record */
  facility_id: number;
  product_id: number;
  dose_number: number;
  doses: number;
};
export interface RollupStockTable {
  day: string;
  store_id: number;
  product_id: number;
  kind: string;
  /** 'store' or the outside party on the other side */
  party: string;
  doses_in: number;
  doses_out: number;
}
export type CubeDoseAreaTable = PersonKey & {
  area_id: number;
  product_id: number;
  dose_number: number;
  doses: number;
};
export interface CubeDoseTrendTable {
  area_id: number;
  day: string;
  product_id: number;
  dose_number: number;
  doses: number;
}
export type CubeRegistrationAreaTable = PersonKey & { area_id: number; people: number };
export interface CubeRegistrationTrendTable {
  area_id: number;
  day: string;
  people: number;
}
export type CubeAppointmentAreaTable = AppointmentMeasures & {
  area_id: number;
  product_id: number;
  dose_number: number;
};
export type CubeFacilityDayTable = AppointmentMeasures & {
  facility_id: number;
  day: string;
  sessions: number;
  capacity: number;
  doses: number;
};
export interface CubeVaccinatorDayTable {
  facility_id: number;
  day: string;
  staff_id: number;
  doses: number;
}
export interface CubeLotTable {
  facility_id: number;
  lot_id: number;
  doses: number;
}
export interface PopulationTable {
  area_id: number;
  age_band: number;
  gender: Gender;
  people: number;
  updated_by: number | null;
  updated_at: Generated<Date>;
}
export interface CubePopulationTable {
  area_id: number;
  age_band: number;
  gender: Gender;
  people: number;
}
export interface RollupStateTable {
  id: Generated<boolean>;
  applied_at: Date | null;
  rebuilt_at: Date | null;
}

export type CertificateKeyKind = 'csca' | 'dsc' | 'shc';

export interface CertificateSigningKeyTable {
  kid: string;
  kind: CertificateKeyKind;
  certificate: Uint8Array | null;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_key_enc: string | null;
  source: 'generated' | 'file';
  created_at: Generated<Date>;
  retired_at: Date | null;
}

export type CertificateStatus = 'provisional' | 'complete' | 'booster';
export type CertificateIssueReason = 'dose' | 'person_corrected' | 'dose_corrected' | 'reissued';
export type CertificateRevocationReason =
  'dose_voided' | 'person_corrected' | 'replaced' | 'reissued' | 'revoked_by_staff';

export interface CertificateTable {
  id: Id;
  person_id: number;
  dose_id: number;
  hcid: string;
  version: number;
  status: CertificateStatus;
  dose_number: number;
  content_hash: string;
  record: ColumnType<Record<string, unknown>, string, string>;
  identifier_enc: string | null;
  issued_at: Date;
  expires_at: Date;
  eu_dcc: string;
  shc_jws: string;
  native: string;
  dsc_kid: string;
  shc_kid: string;
  shc_iss: string;
  shc_rid: string;
  reason: CertificateIssueReason;
  issued_by: number | null;
  replaces_id: number | null;
}

export interface CertificateRevocationTable {
  person_id: number;
  certificate_id: number;
  reason: CertificateRevocationReason;
  note: string | null;
  revoked_by: number | null;
  revoked_at: Generated<Date>;
  uci_hash: string;
  dsc_kid: string;
  shc_iss: string;
  shc_kid: string;
  shc_rid: string;
}
