-- Sessions, booking and auto-scheduling: vaccination sessions split into slots, appointments,
-- the waiting queue, doses (the fact that a person received a dose; recording them at the centre
-- adds its columns later) and each facility's attendance.
--
-- Capacity lives on the slot: a booking is one conditional increment of one row
-- (`booked < capacity`), so no seat is counted twice whatever the concurrency, and the check
-- constraint refuses a counter past its capacity even to a faulty query.

create table vaccination_session (
  id bigint generated always as identity primary key,
  facility_id bigint not null references facility (id),
  session_date date not null,
  product_id bigint not null references vaccine_product (id),
  -- Which doses may be given: {1}, {2}, {1,2}, {3} for a booster session.
  dose_numbers integer[] not null check (cardinality(dose_numbers) between 1 and 10),
  min_age_years integer not null default 18 check (min_age_years between 0 and 130),
  max_age_years integer check (max_age_years between 0 and 130),
  starts_at time not null,
  ends_at time not null,
  status text not null default 'open' check (status in ('open', 'closed', 'cancelled')),
  cancel_reason text,
  created_by bigint references staff_user (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Set when the session's unattended appointments have been marked missed.
  settled_at timestamptz,
  check (ends_at > starts_at),
  check (max_age_years is null or max_age_years >= min_age_years)
);
create index vaccination_session_facility_idx on vaccination_session (facility_id, session_date);
create index vaccination_session_date_idx on vaccination_session (session_date) where status = 'open';

create table session_slot (
  id bigint generated always as identity primary key,
  session_id bigint not null references vaccination_session (id),
  starts_at time not null,
  ends_at time not null,
  capacity integer not null check (capacity >= 0),
  booked integer not null default 0 check (booked >= 0 and booked <= capacity),
  check (ends_at > starts_at)
);
create index session_slot_session_idx on session_slot (session_id, starts_at);

-- Doses received. A fact: never updated in place (a correction is a new row pointing at the old).
create table dose (
  id bigint generated always as identity,
  person_id bigint not null references person (id),
  dose_number integer not null check (dose_number between 1 and 10),
  product_id bigint not null references vaccine_product (id),
  facility_id bigint references facility (id),
  administered_on date not null,
  administered_at timestamptz not null,
  appointment_id bigint,
  recorded_by bigint references staff_user (id),
  recorded_at timestamptz not null default now(),
  -- Set on a dose entered in error: it no longer counts.
  voided_at timestamptz,
  primary key (person_id, id)
);
create unique index dose_person_number_idx on dose (person_id, dose_number) where voided_at is null;

create table appointment (
  id bigint generated always as identity,
  person_id bigint not null references person (id),
  dose_number integer not null check (dose_number between 1 and 10),
  -- The slot's session, and the session's facility, vaccine and date, copied when the seat is taken:
  -- the vaccinator's queue and the person's slip read them without a join. Only the slot is a
  -- foreign key: the others follow from it, and checking each on every row of an auto-scheduler
  -- run that writes hundreds of thousands of appointments would cost more than the insert itself.
  session_id bigint not null,
  slot_id bigint not null references session_slot (id),
  facility_id bigint not null,
  product_id bigint not null,
  session_date date not null,
  -- Told to the person on the slip; the vaccinator checks it.
  code text not null check (code ~ '^[0-9]{4}$'),
  status text not null default 'booked' check (status in ('booked', 'attended', 'missed', 'cancelled')),
  booked_via text not null check (booked_via in ('citizen', 'staff', 'auto')),
  booked_by_account bigint references citizen_account (id),
  booked_by_staff bigint references staff_user (id),
  idempotency_key text check (length(idempotency_key) between 1 and 100),
  reschedule_count integer not null default 0 check (reschedule_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  cancelled_at timestamptz,
  cancel_reason text check (cancel_reason in ('person', 'session_cancelled', 'staff')),
  attended_at timestamptz,
  missed_at timestamptz,
  -- Set when the day-before reminder was queued.
  reminded_at timestamptz,
  primary key (person_id, id)
);
-- One active appointment per person and dose, whoever books it and however many at once.
create unique index appointment_active_idx on appointment (person_id, dose_number) where status = 'booked';
create unique index appointment_idempotency_idx on appointment (person_id, idempotency_key)
  where idempotency_key is not null;
create index appointment_session_idx on appointment (session_id, status);
create index appointment_slot_idx on appointment (slot_id) where status = 'booked';

-- People waiting for a dose with no appointment for it. An entry exists exactly while the person
-- needs that dose and holds no booked appointment for it; the auto-scheduler reads from here.
create table waiting_entry (
  person_id bigint not null references person (id),
  dose_number integer not null check (dose_number between 1 and 10),
  -- Later doses of a primary series must use the first dose's product.
  product_id bigint references vaccine_product (id),
  -- Where the previous dose was given: a later dose goes there when it has room, else the nearest.
  facility_id bigint references facility (id),
  earliest_date date not null,
  -- The recommended date for a later dose; null for a first dose.
  due_date date,
  -- Copied from the person's priority group: the queue is read in (rank, registered_at) order.
  priority_rank integer not null,
  registered_at timestamptz not null,
  reason text not null check (reason in ('registered', 'next_dose', 'person_cancelled', 'session_cancelled', 'missed')),
  since timestamptz not null default now(),
  -- The auto-scheduler's last word on an entry it could not place.
  unplaced_reason text,
  unplaced_at timestamptz,
  primary key (person_id, dose_number)
);
create index waiting_entry_order_idx on waiting_entry (priority_rank, registered_at, person_id);

-- Attendance per facility and session date, kept as sessions are settled: the no-show rate.
create table facility_attendance (
  facility_id bigint not null references facility (id),
  session_date date not null,
  attended integer not null default 0,
  missed integer not null default 0,
  primary key (facility_id, session_date)
);

-- Auto-scheduler runs: the console shows their progress and summary.
create table schedule_run (
  id bigint generated always as identity primary key,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  params jsonb not null,
  progress numeric(5, 4) not null default 0,
  phase text not null default 'reading',
  summary jsonb,
  error text,
  started_by bigint references staff_user (id),
  started_at timestamptz not null default now(),
  finished_at timestamptz
);

-- A person enters the queue for a first dose (from today: nobody is placed in the past anyway) when their registration is accepted (registered in an
-- open group needing no approval, or approved later), and leaves it when removed, rejected or found
-- not to be who they said. Kept by the database so every way of registering keeps it alike.
create function person_waiting_entry() returns trigger language plpgsql as $$
begin
  if new.removed_at is null and new.priority_status = 'accepted' and new.verification_status <> 'failed' then
    if tg_op = 'INSERT' or old.removed_at is not null or old.priority_status <> 'accepted'
       or old.verification_status = 'failed' then
      insert into waiting_entry (person_id, dose_number, earliest_date, priority_rank, registered_at, reason)
      select new.id, 1, current_date, g.rank, new.registered_at, 'registered'
      from priority_group g
      where g.id = new.priority_group_id
        and not exists (select 1 from dose d where d.person_id = new.id and d.voided_at is null)
        and not exists (select 1 from appointment a where a.person_id = new.id and a.status = 'booked')
      on conflict do nothing;
    elsif old.priority_group_id <> new.priority_group_id then
      update waiting_entry w set priority_rank = g.rank
      from priority_group g where g.id = new.priority_group_id and w.person_id = new.id;
    end if;
  elsif tg_op = 'UPDATE' then
    delete from waiting_entry where person_id = new.id;
  end if;
  return null;
end $$;

create trigger person_waiting_entry after insert or update of removed_at, priority_status, verification_status,
  priority_group_id on person for each row execute function person_waiting_entry();

-- Everyone already registered and accepted waits for a first dose.
insert into waiting_entry (person_id, dose_number, earliest_date, priority_rank, registered_at, reason)
select p.id, 1, current_date, g.rank, p.registered_at, 'registered'
from person p
join priority_group g on g.id = p.priority_group_id
where p.removed_at is null and p.priority_status = 'accepted' and p.verification_status <> 'failed';
