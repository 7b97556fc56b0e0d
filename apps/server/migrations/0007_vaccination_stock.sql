-- Vaccination, side effects and vaccine stock.
--
-- Stock is a ledger: `stock_entry` rows are appended and never changed; each moves a whole number
-- of doses of one lot from one place to another, where a place is a store or an outside party
-- (supplier, in transit, administered, wasted, expired, damaged, lost, adjustment). The balance of
-- every store and lot is kept by the database in the same statement as the entry, and may never go
-- below zero; `dosewise stock-check` proves that the balances equal the ledger.
--
-- A dose is a fact. A correction is a new `dose_correction` row (and, where the dose moves to
-- another lot or person, a new dose row) that points at the dose it corrects; the corrected dose is
-- marked void by that correction and keeps everything it said.

-- Stores mirror the area hierarchy. Every facility that holds stock (a store, or a facility where
-- doses are given) has a row; stock moves only between a store and its parent or its children.
create table store (
  facility_id bigint primary key references facility (id),
  level text not null check (level in ('national', 'division', 'district', 'upazila', 'facility')),
  parent_facility_id bigint references store (facility_id),
  created_at timestamptz not null default now(),
  check ((parent_facility_id is null) = (level = 'national')),
  check (parent_facility_id is null or parent_facility_id <> facility_id)
);
create index store_parent_idx on store (parent_facility_id);
create unique index store_one_national_idx on store ((true)) where level = 'national';

create table lot (
  id bigint generated always as identity primary key,
  product_id bigint not null references vaccine_product (id),
  -- The manufacturer's lot (batch) number, as printed on the vial.
  lot_number text not null check (lot_number ~ '^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$'),
  manufacturer text not null,
  expires_on date not null,
  doses_per_vial integer not null check (doses_per_vial between 1 and 50),
  created_by bigint references staff_user (id),
  created_at timestamptz not null default now(),
  unique (product_id, lot_number)
);

-- A delivery from a supplier into the national store.
create table stock_receipt (
  id bigint generated always as identity primary key,
  store_id bigint not null references store (facility_id),
  supplier text not null,
  -- Contract or purchase order reference.
  reference text not null,
  received_on date not null,
  note text not null default '',
  recorded_by bigint references staff_user (id),
  created_at timestamptz not null default now()
);

-- Documents that came with a receipt (delivery note, certificate of analysis, release certificate).
create table stock_document (
  id bigint generated always as identity primary key,
  receipt_id bigint not null references stock_receipt (id),
  file_name text not null,
  content_type text not null,
  content bytea not null,
  created_at timestamptz not null default now()
);
create index stock_document_receipt_idx on stock_document (receipt_id);

-- How much of a product a store sends to each store below it: suggested from population and
-- coverage, changed and approved by an officer, then dispatched as transfers.
create table allocation_plan (
  id bigint generated always as identity primary key,
  from_store_id bigint not null references store (facility_id),
  product_id bigint not null references vaccine_product (id),
  total_doses integer not null check (total_doses > 0),
  status text not null default 'draft' check (status in ('draft', 'approved', 'cancelled')),
  note text not null default '',
  created_by bigint references staff_user (id),
  created_at timestamptz not null default now(),
  approved_by bigint references staff_user (id),
  approved_at timestamptz
);

create table allocation_line (
  plan_id bigint not null references allocation_plan (id),
  to_store_id bigint not null references store (facility_id),
  suggested_doses integer not null check (suggested_doses >= 0),
  doses integer not null check (doses >= 0),
  -- The figures the suggestion came from, shown to the officer.
  population bigint,
  vaccinated bigint,
  primary key (plan_id, to_store_id)
);

create table stock_transfer (
  id bigint generated always as identity primary key,
  from_store_id bigint not null references store (facility_id),
  to_store_id bigint not null references store (facility_id),
  plan_id bigint references allocation_plan (id),
  status text not null default 'dispatched' check (status in ('dispatched', 'received')),
  note text not null default '',
  dispatched_by bigint references staff_user (id),
  dispatched_at timestamptz not null default now(),
  received_by bigint references staff_user (id),
  received_at timestamptz,
  check (from_store_id <> to_store_id)
);
create index stock_transfer_to_idx on stock_transfer (to_store_id, status);
create index stock_transfer_from_idx on stock_transfer (from_store_id, dispatched_at);

create table stock_transfer_line (
  transfer_id bigint not null references stock_transfer (id),
  lot_id bigint not null references lot (id),
  dispatched_doses integer not null check (dispatched_doses > 0),
  received_doses integer check (received_doses >= 0),
  -- Required whenever what arrived differs from what left.
  discrepancy_reason text,
  primary key (transfer_id, lot_id)
);

-- Breakage, cold-chain failure, expiry, a physical count: each with a reason and who did it.
create table stock_adjustment (
  id bigint generated always as identity primary key,
  store_id bigint not null references store (facility_id),
  lot_id bigint not null references lot (id),
  kind text not null check (kind in ('breakage', 'cold_chain_failure', 'expiry', 'count', 'found', 'other')),
  -- Signed change in doses (a count may raise or lower the balance).
  quantity_change integer not null check (quantity_change <> 0),
  -- For a count: what was counted, and what the books said.
  counted_doses integer check (counted_doses >= 0),
  book_doses integer check (book_doses >= 0),
  reason text not null check (length(reason) between 3 and 500),
  recorded_by bigint references staff_user (id),
  created_at timestamptz not null default now()
);

-- A vial opened at a facility: its doses may be given until it closes (the product's open-vial
-- hours, or the end of the day's session); the doses left then are wasted.
create table open_vial (
  id bigint generated always as identity primary key,
  facility_id bigint not null references store (facility_id),
  lot_id bigint not null references lot (id),
  doses_per_vial integer not null check (doses_per_vial between 1 and 50),
  doses_used integer not null default 0 check (doses_used >= 0 and doses_used <= doses_per_vial),
  opened_at timestamptz not null default now(),
  usable_until timestamptz not null,
  opened_by bigint references staff_user (id),
  closed_at timestamptz,
  doses_wasted integer check (doses_wasted >= 0),
  close_reason text check (close_reason in ('used_up', 'session_end', 'expired', 'damaged', 'manual'))
);
create index open_vial_open_idx on open_vial (facility_id, lot_id) where closed_at is null;
create index open_vial_facility_idx on open_vial (facility_id, opened_at);

-- The ledger. `from_*` and `to_*` each name exactly one place: a store, or an outside party.
create table stock_entry (
  id bigint generated always as identity primary key,
  lot_id bigint not null references lot (id),
  quantity integer not null check (quantity > 0),
  from_store_id bigint references store (facility_id),
  from_party text check (from_party in ('supplier', 'in_transit', 'administered', 'adjustment')),
  to_store_id bigint references store (facility_id),
  to_party text check (to_party in ('in_transit', 'administered', 'wasted', 'expired', 'damaged', 'lost', 'adjustment')),
  kind text not null check (kind in (
    'receipt', 'dispatch', 'transfer_receipt', 'transfer_discrepancy', 'administered', 'vial_wasted',
    'adjustment', 'dose_correction')),
  receipt_id bigint references stock_receipt (id),
  transfer_id bigint references stock_transfer (id),
  adjustment_id bigint references stock_adjustment (id),
  vial_id bigint references open_vial (id),
  -- The dose (person_id, dose_id) this entry administered or gave back; no foreign key, so the
  -- ledger does not tie itself to the person-distributed tables.
  person_id bigint,
  dose_id bigint,
  recorded_by bigint references staff_user (id),
  recorded_at timestamptz not null default now(),
  check ((from_store_id is null) <> (from_party is null)),
  check ((to_store_id is null) <> (to_party is null)),
  check (from_store_id is null or to_store_id is null or from_store_id <> to_store_id)
);
create index stock_entry_from_idx on stock_entry (from_store_id, lot_id) where from_store_id is not null;
create index stock_entry_to_idx on stock_entry (to_store_id, lot_id) where to_store_id is not null;
create index stock_entry_transfer_idx on stock_entry (transfer_id) where transfer_id is not null;

create table stock_balance (
  store_id bigint not null references store (facility_id),
  lot_id bigint not null references lot (id),
  quantity integer not null default 0 check (quantity >= 0),
  updated_at timestamptz not null default now(),
  primary key (store_id, lot_id)
);
create index stock_balance_lot_idx on stock_balance (lot_id) where quantity > 0;

create function stock_entry_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'stock ledger entries are never changed or deleted' using errcode = 'P0001';
end $$;
create trigger stock_entry_immutable before update or delete on stock_entry
  for each row execute function stock_entry_immutable();

-- The balances move with the entries, in their statement: no way of writing the ledger can leave
-- them behind. Once per statement, over all the rows it inserted: each store and lot's balance
-- changes by what came in less what went out (one update per store and lot, however many doses an
-- upload of offline records carries), and the check constraint refuses a balance below zero, also
-- for a store that never held the lot.
create function stock_entry_balance() returns trigger language plpgsql as $$
begin
  -- Balances are locked in one order by every statement, so concurrent uploads wait, never deadlock.
  perform 1 from stock_balance b
    where (b.store_id, b.lot_id) in (
      select to_store_id, lot_id from new_entries where to_store_id is not null
      union select from_store_id, lot_id from new_entries where from_store_id is not null)
    order by b.store_id, b.lot_id for update;
  with moves as (
    select store_id, lot_id, sum(change) as change
    from (
      select to_store_id as store_id, lot_id, quantity as change from new_entries where to_store_id is not null
      union all
      select from_store_id, lot_id, -quantity from new_entries where from_store_id is not null
    ) m
    group by store_id, lot_id
  ),
  changed as (
    update stock_balance b set quantity = b.quantity + m.change, updated_at = now()
    from moves m where b.store_id = m.store_id and b.lot_id = m.lot_id
    returning b.store_id, b.lot_id
  )
  -- A store's first stock of a lot; going out of a store that never held it breaks the check.
  insert into stock_balance as b (store_id, lot_id, quantity)
  select m.store_id, m.lot_id, m.change from moves m
  where not exists (select 1 from changed c where c.store_id = m.store_id and c.lot_id = m.lot_id)
  order by m.store_id, m.lot_id
  on conflict (store_id, lot_id) do update set quantity = b.quantity + excluded.quantity, updated_at = now();
  return null;
end $$;
create trigger stock_entry_balance after insert on stock_entry
  referencing new table as new_entries
  for each statement execute function stock_entry_balance();

-- Programme-wide switches a national admin may change (e.g. accept a dose from a lot the
-- facility does not hold, flagged for review, rather than refuse it).
create table programme_setting (
  key text primary key,
  value jsonb not null,
  updated_by bigint references staff_user (id),
  updated_at timestamptz not null default now()
);

-- Doses: what the vaccinator recorded.
alter table dose
  add column lot_id bigint references lot (id),
  add column session_id bigint,
  add column body_site text check (body_site in ('left_deltoid', 'right_deltoid', 'left_thigh', 'right_thigh', 'oral', 'other')),
  add column identity_check text check (identity_check in ('slip_code', 'card_qr', 'id_document', 'registration_number')),
  add column consent boolean,
  -- The vial the dose was drawn from. No foreign key: on a distributed database doses are placed
  -- by person and vials by facility, and the ledger entry of the dose names the vial with its key.
  add column vial_id bigint,
  -- Offline records: the id the device gave the record, the device, and its clock when it recorded.
  add column client_id uuid,
  add column device_id text,
  add column device_recorded_at timestamptz,
  add column source text not null default 'online' check (source in ('online', 'offline', 'correction', 'import')),
  -- Accepted but to be looked at: lot_not_held, lot_expired, clock_skew.
  add column flags text[] not null default '{}',
  -- The correction that made this dose (for a replacement) and the one that voided it.
  add column created_by_correction bigint,
  add column voided_by_correction bigint;
create unique index dose_client_idx on dose (person_id, client_id) where client_id is not null;
create index dose_facility_day_idx on dose (facility_id, administered_on);
create index dose_lot_idx on dose (lot_id);
create index dose_flagged_idx on dose (recorded_at) where cardinality(flags) > 0;

create table dose_correction (
  id bigint generated always as identity,
  -- The person whose dose is corrected.
  person_id bigint not null,
  dose_id bigint not null,
  kind text not null check (kind in ('wrong_lot', 'wrong_person', 'wrong_product', 'wrong_date', 'entered_in_error', 'review_resolution')),
  reason text not null check (length(reason) between 3 and 500),
  -- The dose that replaces it, when there is one (wrong_person: on the right person).
  replacement_person_id bigint,
  replacement_dose_id bigint,
  corrected_by bigint not null references staff_user (id),
  created_at timestamptz not null default now(),
  primary key (person_id, id),
  foreign key (person_id, dose_id) references dose (person_id, id)
);

-- A dose record that could not be kept as it came: a second record of a dose the person already
-- has (on-line or from a device that was offline), or one that conflicts with a dose given
-- elsewhere meanwhile. A supervisor decides; nothing is dropped and nothing is counted twice.
create table dose_review (
  id bigint generated always as identity,
  person_id bigint not null references person (id),
  reason text not null check (reason in ('duplicate_dose', 'conflict_elsewhere')),
  -- The dose already on record for that person and dose number.
  existing_dose_id bigint,
  -- The record as it came (product, lot, dose number, facility, time, vaccinator, device).
  record jsonb not null,
  client_id uuid,
  facility_id bigint references facility (id),
  recorded_by bigint references staff_user (id),
  status text not null default 'open' check (status in ('open', 'kept_existing', 'replaced_existing')),
  resolved_by bigint references staff_user (id),
  resolved_at timestamptz,
  resolution_note text,
  created_at timestamptz not null default now(),
  primary key (person_id, id)
);
create unique index dose_review_client_idx on dose_review (person_id, client_id) where client_id is not null;
create index dose_review_open_idx on dose_review (facility_id, created_at) where status = 'open';

-- Adverse events following immunization, linked to the dose and its lot.
create table aefi_report (
  id bigint generated always as identity,
  person_id bigint not null references person (id),
  dose_id bigint not null,
  lot_id bigint references lot (id),
  product_id bigint not null references vaccine_product (id),
  facility_id bigint references facility (id),
  -- Codes from the WHO AEFI list (see packages/domain/src/aefi.ts).
  symptoms text[] not null check (cardinality(symptoms) between 1 and 20),
  onset_at timestamptz not null,
  severity text not null check (severity in ('non_serious', 'serious')),
  -- Why a report is serious: death, life-threatening, hospitalisation, disability, congenital anomaly, cluster.
  serious_criteria text[] not null default '{}',
  outcome text not null check (outcome in ('recovered', 'recovering', 'not_recovered', 'recovered_with_sequelae', 'died', 'unknown')),
  description text not null default '',
  reported_via text not null check (reported_via in ('citizen', 'staff')),
  reported_by_staff bigint references staff_user (id),
  reported_by_account bigint,
  investigation_status text not null default 'not_required'
    check (investigation_status in ('not_required', 'open', 'investigating', 'closed')),
  -- WHO causality assessment, set when an investigation closes.
  causality text check (causality in (
    'vaccine_product_related', 'vaccine_quality_defect', 'immunization_error', 'immunization_anxiety',
    'coincidental', 'indeterminate', 'unclassifiable')),
  created_at timestamptz not null default now(),
  primary key (person_id, id),
  foreign key (person_id, dose_id) references dose (person_id, id)
);
create index aefi_report_lot_idx on aefi_report (lot_id);
create index aefi_report_created_idx on aefi_report (created_at);

create table aefi_investigation_event (
  id bigint generated always as identity primary key,
  person_id bigint not null,
  report_id bigint not null,
  status text not null check (status in ('open', 'investigating', 'closed')),
  note text not null,
  causality text,
  recorded_by bigint references staff_user (id),
  created_at timestamptz not null default now(),
  foreign key (person_id, report_id) references aefi_report (person_id, id)
);

-- Messages for officers in the console (a serious AEFI in their district, a lot to look at): an
-- alert is addressed to an area (or the whole country when null) and seen by whoever is in charge there.
create table officer_alert (
  id bigint generated always as identity primary key,
  area_id bigint references area (id),
  kind text not null check (kind in ('aefi_serious', 'lot_signal', 'stock_low', 'lot_expiring', 'dose_review')),
  title text not null,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  acknowledged_by bigint references staff_user (id),
  acknowledged_at timestamptz
);
create index officer_alert_open_idx on officer_alert (area_id, created_at) where acknowledged_at is null;
