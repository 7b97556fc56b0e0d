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
}
