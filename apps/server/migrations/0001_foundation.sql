-- Foundation: reference data (areas, facilities, vaccine products), staff access, audit.
-- Reference tables (area_level, area, facility, vaccine_product) are small and replicated in full
-- when the schema runs on Citus; nothing here is keyed by person.

create table area_level (
  depth integer primary key check (depth >= 0),
  code text not null unique check (code ~ '^[a-z][a-z0-9_]*$'),
  name_en text not null,
  name_bn text not null
);

create table area (
  id bigint generated always as identity primary key,
  code text not null unique,
  parent_id bigint references area (id),
  depth integer not null references area_level (depth),
  -- Materialised path of ids, '/3/41/392/': a subtree is a prefix match, an ancestor list is the path itself.
  path text not null unique,
  name_en text not null,
  name_bn text not null,
  population bigint check (population >= 0),
  postcode text,
  latitude double precision check (latitude between -90 and 90),
  longitude double precision check (longitude between -180 and 180),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((parent_id is null) = (depth = 0))
);
create index area_parent_idx on area (parent_id, name_en);
create index area_path_idx on area (path text_pattern_ops);
create index area_postcode_idx on area (postcode) where postcode is not null;

create table facility (
  id bigint generated always as identity primary key,
  code text not null unique,
  name_en text not null,
  name_bn text not null,
  type text not null check (type in ('vaccination_centre', 'hospital', 'clinic', 'outreach_site', 'store')),
  area_id bigint not null references area (id),
  address text not null default '',
  latitude double precision check (latitude between -90 and 90),
  longitude double precision check (longitude between -180 and 180),
  daily_capacity integer not null default 0 check (daily_capacity >= 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index facility_area_idx on facility (area_id);

create table vaccine_product (
  id bigint generated always as identity primary key,
  code text not null unique check (code ~ '^[A-Z0-9_-]+$'),
  name text not null,
  manufacturer text not null,
  -- Codes from the WHO DDCC and EU DCC value sets: EU union register product (mp), prophylaxis (vp),
  -- marketing authorisation holder (ma), ICD-11 (XM...), CVX, SNOMED CT, ATC.
  eu_product_code text,
  eu_prophylaxis_code text,
  eu_manufacturer_code text,
  icd11_code text,
  cvx_code text,
  snomed_code text,
  atc_code text,
  primary_doses integer not null check (primary_doses between 1 and 5),
  min_interval_days integer not null check (min_interval_days >= 0),
  recommended_interval_days integer not null check (recommended_interval_days >= 0),
  booster_allowed boolean not null default true,
  booster_min_interval_days integer check (booster_min_interval_days >= 0),
  min_age_years integer not null check (min_age_years between 0 and 130),
  doses_per_vial integer not null check (doses_per_vial between 1 and 50),
  open_vial_hours integer not null check (open_vial_hours between 0 and 72),
  storage_min_c numeric(5, 1) not null,
  storage_max_c numeric(5, 1) not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (recommended_interval_days >= min_interval_days),
  check (storage_max_c >= storage_min_c)
);

create table staff_user (
  id bigint generated always as identity primary key,
  username text not null unique check (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  display_name text not null,
  password_hash text not null,
  active boolean not null default true,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  created_by bigint references staff_user (id)
);

create table role_grant (
  id bigint generated always as identity primary key,
  user_id bigint not null references staff_user (id),
  role text not null check (role in ('national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'store_keeper', 'auditor', 'help_desk')),
  -- Scope: the whole country (both null), an area subtree, or one facility.
  area_id bigint references area (id),
  facility_id bigint references facility (id),
  granted_by bigint references staff_user (id),
  granted_at timestamptz not null default now(),
  revoked_by bigint references staff_user (id),
  revoked_at timestamptz,
  check (area_id is null or facility_id is null)
);
create index role_grant_user_idx on role_grant (user_id) where revoked_at is null;

-- A staff sign-in session: the refresh token (stored as a SHA-256 hash) and the access tokens
-- minted from it carry its id, so signing out ends both.
create table staff_session (
  id uuid primary key,
  user_id bigint not null references staff_user (id),
  refresh_hash text not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  user_agent text
);
create index staff_session_user_idx on staff_session (user_id);

create table audit_event (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('staff', 'citizen', 'system', 'anonymous')),
  actor_id bigint,
  action text not null,
  entity_type text,
  entity_id text,
  area_id bigint,
  request_id text,
  ip text,
  details jsonb not null default '{}'::jsonb
);
create index audit_event_time_idx on audit_event (occurred_at desc);
create index audit_event_entity_idx on audit_event (entity_type, entity_id);
create index audit_event_actor_idx on audit_event (actor_id, occurred_at desc);

-- The national ID registry is another system; its demo stand-in lives in its own schema, which the
-- registry simulator reads and Dosewise's own code never touches.
create schema nid_registry;
create table nid_registry.person (
  id_type text not null,
  id_number text not null,
  name_en text not null,
  name_bn text not null,
  date_of_birth date not null,
  gender text not null check (gender in ('female', 'male', 'third_gender')),
  phone text,
  area_code text not null,
  primary key (id_type, id_number)
);
