-- Citizen registration and identity: citizen accounts (a phone that manages up to N people),
-- people, identity claims (no proxies), priority groups, OTP challenges, notifications, jobs.
-- Identifiers (ID numbers, phones) are stored encrypted (AES-256-GCM) with an HMAC blind index
-- for look-up; plain values never reach a column.

create table citizen_account (
  id bigint generated always as identity primary key,
  phone_blind text not null unique,
  phone_enc text not null,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz
);

create table otp_challenge (
  id uuid primary key,
  phone_blind text not null,
  phone_enc text not null,
  code_hash text not null,
  purpose text not null default 'sign_in' check (purpose in ('sign_in')),
  ip text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  attempts integer not null default 0,
  consumed_at timestamptz,
  locked_at timestamptz
);
create index otp_challenge_phone_idx on otp_challenge (phone_blind, created_at desc);
create index otp_challenge_ip_idx on otp_challenge (ip, created_at desc);

-- Versioned: editing a group adds a row with the next version; registrations keep the version they used.
create table priority_group (
  id bigint generated always as identity primary key,
  code text not null check (code ~ '^[a-z][a-z0-9_]*$'),
  version integer not null check (version >= 1),
  name_en text not null,
  name_bn text not null,
  rank integer not null check (rank >= 1),
  min_age_years integer not null check (min_age_years between 0 and 130),
  max_age_years integer check (max_age_years between 0 and 130),
  proof_rule text not null check (proof_rule in ('self_declared', 'staff_approval', 'roster')),
  opens_on date not null,
  active boolean not null default true,
  created_by bigint references staff_user (id),
  created_at timestamptz not null default now(),
  unique (code, version)
);

-- Pre-loaded lists (a health-worker roster, say): identity by blind index only.
create table priority_roster (
  group_code text not null,
  id_type text not null,
  id_blind text not null,
  imported_by bigint references staff_user (id),
  imported_at timestamptz not null default now(),
  primary key (group_code, id_type, id_blind)
);

create table person (
  id bigint generated always as identity primary key,
  registration_number text not null unique,
  citizen_account_id bigint references citizen_account (id),
  id_type text not null,
  id_blind text not null,
  id_enc text not null,
  id_last4 text not null,
  nationality text not null default 'BD' check (nationality ~ '^[A-Z]{2}$'),
  name_en text not null,
  name_bn text,
  date_of_birth date not null,
  gender text not null check (gender in ('female', 'male', 'third_gender')),
  phone_blind text,
  phone_enc text,
  area_id bigint not null references area (id),
  address_line text not null default '',
  occupation text,
  comorbidities text[] not null default '{}',
  priority_group_id bigint not null references priority_group (id),
  priority_evidence jsonb not null default '{}'::jsonb,
  priority_status text not null check (priority_status in ('accepted', 'awaiting_approval', 'rejected')),
  priority_approved_by bigint references staff_user (id),
  preferred_facility_id bigint references facility (id),
  preferred_product_id bigint references vaccine_product (id),
  consent_version text not null,
  consent_at timestamptz not null,
  -- verified by the registry, pending (the registry could not answer yet), failed (it said no),
  -- in_person (a document no registry holds, a foreign passport: checked at the centre).
  verification_status text not null check (verification_status in ('verified', 'pending', 'failed', 'in_person')),
  verification_checked_at timestamptz,
  -- The language the person registered in: later messages (a re-check's result) use it too.
  locale text not null default 'bn' check (locale in ('en', 'bn')),
  registered_via text not null check (registered_via in ('self', 'assisted')),
  registered_by bigint references staff_user (id),
  registered_at timestamptz not null default now(),
  removed_at timestamptz,
  removed_reason text
);
create index person_account_idx on person (citizen_account_id) where removed_at is null;
create index person_phone_idx on person (phone_blind) where removed_at is null;
create index person_area_idx on person (area_id);
create index person_pending_idx on person (verification_status) where verification_status = 'pending';

-- No proxies: one person per identity document, also under concurrent registrations. A table of its
-- own so that, on Citus, it is distributed by the identifier's blind index.
create table identity_claim (
  id_type text not null,
  id_blind text not null,
  person_id bigint not null references person (id),
  claimed_at timestamptz not null default now(),
  primary key (id_type, id_blind)
);

-- Demographic corrections keep the old values (encrypted when they are identifiers), who and why.
create table person_correction (
  id bigint generated always as identity primary key,
  person_id bigint not null references person (id),
  changes jsonb not null,
  reason text not null,
  corrected_by bigint references staff_user (id),
  corrected_at timestamptz not null default now()
);
create index person_correction_person_idx on person_correction (person_id);

-- Transactional outbox for messages: written in the same transaction as the fact that causes it.
create table notification (
  id bigint generated always as identity primary key,
  channel text not null default 'sms' check (channel in ('sms')),
  recipient_enc text not null,
  template text not null,
  locale text not null check (locale in ('en', 'bn')),
  params jsonb not null default '{}'::jsonb,
  person_id bigint,
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  provider_ref text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index notification_due_idx on notification (next_attempt_at) where status in ('queued', 'sending');

-- Background jobs (re-check a pending registration, and later more): claimed with FOR UPDATE SKIP LOCKED.
create table job (
  id bigint generated always as identity primary key,
  kind text not null,
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  attempts integer not null default 0,
  run_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index job_due_idx on job (run_at) where status in ('queued', 'running');

-- Fixed-window counters for abuse limits (codes per phone and per client address, and later more):
-- one row per key and window, incremented in place, so a check costs the same on the millionth request.
-- Unlogged: a counter lost in a crash only forgets a window's count, and no commit waits on its WAL.
create unlogged table rate_counter (
  key text not null,
  window_start timestamptz not null,
  count integer not null default 0,
  primary key (key, window_start)
);
