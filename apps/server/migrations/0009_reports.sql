-- Reports: rollups kept as facts arrive, population denominators, and the cubes reports read.
--
-- Every fact table has a statement-level trigger that appends what the statement changed to
-- `rollup_delta`, in the fact's own transaction: +1 for a row that now counts, -1 for a row that no
-- longer counts (a voided dose, a cancelled session, a removed person), and -1/+1 when a counted
-- row moves (a rescheduled appointment, a corrected date of birth). Appending never waits on another
-- writer. A worker (reports/rollups.ts) deletes the committed deltas and adds them into the rollups
-- in one transaction, so at any snapshot `rollup + pending deltas = facts`; it never reads history.
-- `dosewise rollup-rebuild` recomputes every rollup from the facts; `dosewise rollup-check` proves
-- they match.
--
-- Fine rollups keep every dimension (day x lowest area x facility x product x dose number x age band
-- x gender x priority group). Cubes keep the few dimensions a report groups by, with one row per
-- area at every level of the hierarchy (an area's row counts everything in its subtree), so a
-- report reads a few thousand rows whatever the number of doses behind them.
--
-- Areas are the person's residence for registrations, appointments and doses (coverage is of the
-- people living in an area); facility reports follow the facility's area.

-- The age bands reports use (lower bounds, years). Population denominators use the same bands.
-- One expression, so the planner inlines it into the queries that group by it.
create function report_age_band(date_of_birth date, on_day date) returns smallint
language sql immutable parallel safe as $$
  select (array[0, 12, 18, 30, 40, 50, 60, 70, 80]::smallint[])[greatest(1, width_bucket(
    extract(year from age(on_day::timestamp, date_of_birth::timestamp))::integer,
    array[0, 12, 18, 30, 40, 50, 60, 70, 80]))]
$$;

-- Unordered and unkeyed: writers only append, the worker deletes what it has applied.
create table rollup_delta (
  fact text not null check (fact in ('registration', 'appointment', 'dose', 'stock', 'session')),
  -- registration: when the person registered; stock: when the entry was recorded. The worker turns
  -- it into the programme's day in the configured time zone.
  at timestamptz,
  -- appointment and session: the session date; dose: the day it was given.
  day date,
  date_of_birth date,
  area_id bigint,
  -- stock: the store.
  facility_id bigint,
  product_id bigint,
  lot_id bigint,
  dose_number smallint,
  gender text,
  group_id bigint,
  -- dose: who gave it.
  recorded_by bigint,
  -- appointment: its status; stock: the entry's kind.
  status text,
  -- stock: 'in' or 'out', and the other side ('store' or an outside party).
  direction text,
  party text,
  n integer not null,
  -- session: slot capacity, and the session's length in minutes.
  n2 integer not null default 0,
  n3 integer not null default 0,
  created_at timestamptz not null default statement_timestamp()
);

-- Fine rollups.
create table rollup_registration (
  day date not null,
  area_id bigint not null,
  age_band smallint not null,
  gender text not null,
  group_id bigint not null,
  people integer not null default 0,
  primary key (day, area_id, age_band, gender, group_id)
);

create table rollup_appointment (
  day date not null,
  area_id bigint not null,
  facility_id bigint not null,
  product_id bigint not null,
  dose_number smallint not null,
  age_band smallint not null,
  gender text not null,
  group_id bigint not null,
  booked integer not null default 0,
  attended integer not null default 0,
  missed integer not null default 0,
  cancelled integer not null default 0,
  primary key (day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id)
);

create table rollup_dose (
  day date not null,
  area_id bigint not null,
  -- 0 when the dose was given outside any facility on record (an imported dose).
  facility_id bigint not null,
  product_id bigint not null,
  dose_number smallint not null,
  age_band smallint not null,
  gender text not null,
  group_id bigint not null,
  doses integer not null default 0,
  primary key (day, area_id, facility_id, product_id, dose_number, age_band, gender, group_id)
);

create table rollup_stock (
  day date not null,
  store_id bigint not null,
  product_id bigint not null,
  kind text not null,
  party text not null,
  doses_in bigint not null default 0,
  doses_out bigint not null default 0,
  primary key (day, store_id, product_id, kind, party)
);
-- A store's recent use (days of supply, wastage) without reading every other store's days.
create index rollup_stock_store_idx on rollup_stock (store_id, day) include (product_id, kind, party, doses_in, doses_out);
-- Every store's recent use at once (the country's stock report), read from the index alone.
create index rollup_stock_use_idx on rollup_stock (day) include (store_id, product_id, party, doses_in, doses_out)
  where party in ('administered', 'wasted');

-- Cubes. Area cubes also hold a row for the whole country, area_id 0.
create table cube_dose_area (
  area_id bigint not null,
  product_id bigint not null,
  dose_number smallint not null,
  age_band smallint not null,
  gender text not null,
  group_id bigint not null,
  doses bigint not null default 0,
  primary key (area_id, product_id, dose_number, age_band, gender, group_id)
);

create table cube_dose_trend (
  area_id bigint not null,
  day date not null,
  product_id bigint not null,
  dose_number smallint not null,
  doses bigint not null default 0,
  primary key (area_id, day, product_id, dose_number)
);

create table cube_registration_area (
  area_id bigint not null,
  age_band smallint not null,
  gender text not null,
  group_id bigint not null,
  people bigint not null default 0,
  primary key (area_id, age_band, gender, group_id)
);

create table cube_registration_trend (
  area_id bigint not null,
  day date not null,
  people bigint not null default 0,
  primary key (area_id, day)
);

create table cube_appointment_area (
  area_id bigint not null,
  product_id bigint not null,
  dose_number smallint not null,
  booked bigint not null default 0,
  attended bigint not null default 0,
  missed bigint not null default 0,
  cancelled bigint not null default 0,
  primary key (area_id, product_id, dose_number)
);

-- Per facility and day: sessions held (not cancelled), their capacity and minutes, appointments by
-- status, doses, and how many vaccinators recorded doses (doses per vaccinator-hour divides by
-- vaccinators x session minutes, day by day).
create table cube_facility_day (
  facility_id bigint not null,
  day date not null,
  sessions integer not null default 0,
  capacity integer not null default 0,
  session_minutes integer not null default 0,
  vaccinators integer not null default 0,
  -- vaccinators x session_minutes of the day: what doses per vaccinator-hour divides by.
  vaccinator_minutes bigint not null default 0,
  booked integer not null default 0,
  attended integer not null default 0,
  missed integer not null default 0,
  cancelled integer not null default 0,
  doses integer not null default 0,
  primary key (facility_id, day)
);
create index cube_facility_day_day_idx on cube_facility_day (day, facility_id);

-- The same per month, kept by the database from the day rows (a statement-level trigger adds what
-- each statement changed): a year of facility figures reads whole months here and only the partial
-- months from the day rows.
create table cube_facility_month (
  facility_id bigint not null,
  month date not null,
  sessions bigint not null default 0,
  capacity bigint not null default 0,
  session_minutes bigint not null default 0,
  vaccinator_minutes bigint not null default 0,
  booked bigint not null default 0,
  attended bigint not null default 0,
  missed bigint not null default 0,
  cancelled bigint not null default 0,
  doses bigint not null default 0,
  primary key (facility_id, month)
);
create index cube_facility_month_month_idx on cube_facility_month (month, facility_id);

create function cube_facility_month_follow() returns trigger language plpgsql as $$
begin
  -- An update takes the old rows off and adds the new ones.
  if tg_op in ('UPDATE', 'DELETE') then
    insert into cube_facility_month as m (facility_id, month, sessions, capacity, session_minutes,
                                          vaccinator_minutes, booked, attended, missed, cancelled, doses)
    select facility_id, date_trunc('month', day)::date, -sum(sessions), -sum(capacity), -sum(session_minutes),
           -sum(vaccinator_minutes), -sum(booked), -sum(attended), -sum(missed), -sum(cancelled), -sum(doses)
    from old_rows group by 1, 2
    on conflict (facility_id, month) do update set
      sessions = m.sessions + excluded.sessions, capacity = m.capacity + excluded.capacity,
      session_minutes = m.session_minutes + excluded.session_minutes,
      vaccinator_minutes = m.vaccinator_minutes + excluded.vaccinator_minutes,
      booked = m.booked + excluded.booked, attended = m.attended + excluded.attended,
      missed = m.missed + excluded.missed, cancelled = m.cancelled + excluded.cancelled,
      doses = m.doses + excluded.doses;
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    insert into cube_facility_month as m (facility_id, month, sessions, capacity, session_minutes,
                                          vaccinator_minutes, booked, attended, missed, cancelled, doses)
    select facility_id, date_trunc('month', day)::date, sum(sessions), sum(capacity), sum(session_minutes),
           sum(vaccinator_minutes), sum(booked), sum(attended), sum(missed), sum(cancelled), sum(doses)
    from new_rows group by 1, 2
    on conflict (facility_id, month) do update set
      sessions = m.sessions + excluded.sessions, capacity = m.capacity + excluded.capacity,
      session_minutes = m.session_minutes + excluded.session_minutes,
      vaccinator_minutes = m.vaccinator_minutes + excluded.vaccinator_minutes,
      booked = m.booked + excluded.booked, attended = m.attended + excluded.attended,
      missed = m.missed + excluded.missed, cancelled = m.cancelled + excluded.cancelled,
      doses = m.doses + excluded.doses;
  end if;
  return null;
end $$;

create trigger cube_facility_month_inserted after insert on cube_facility_day
  referencing new table as new_rows for each statement execute function cube_facility_month_follow();
create trigger cube_facility_month_updated after update on cube_facility_day
  referencing old table as old_rows new table as new_rows for each statement execute function cube_facility_month_follow();
create trigger cube_facility_month_deleted after delete on cube_facility_day
  referencing old table as old_rows for each statement execute function cube_facility_month_follow();

create table cube_vaccinator_day (
  facility_id bigint not null,
  day date not null,
  staff_id bigint not null,
  doses integer not null default 0,
  primary key (facility_id, day, staff_id)
);

create table cube_lot (
  facility_id bigint not null,
  lot_id bigint not null,
  doses bigint not null default 0,
  primary key (facility_id, lot_id)
);

-- Population denominators per lowest-level area, age band and gender (imported by CSV), and the
-- same summed up every level of the hierarchy.
create table population (
  area_id bigint not null references area (id),
  age_band smallint not null check (age_band in (0, 12, 18, 30, 40, 50, 60, 70, 80)),
  gender text not null check (gender in ('female', 'male', 'third_gender')),
  people bigint not null check (people >= 0),
  updated_by bigint references staff_user (id),
  updated_at timestamptz not null default now(),
  primary key (area_id, age_band, gender)
);

create table cube_population (
  area_id bigint not null,
  age_band smallint not null,
  gender text not null,
  people bigint not null,
  primary key (area_id, age_band, gender)
);

-- The worker's progress, for the lag the console shows.
create table rollup_state (
  id boolean primary key default true check (id),
  applied_at timestamptz,
  rebuilt_at timestamptz
);
insert into rollup_state (id) values (true);

-- Triggers: what each statement changed, appended as deltas.

-- Inserts and deletes are taken per statement over their transition tables (an auto-scheduler run
-- or an offline upload writes thousands of rows in one statement); updates per row, and only those
-- that change what a rollup counts by (PostgreSQL allows a column condition only there): a booking's
-- `booked = booked + 1` or a reminder's mark never calls a function.

create function rollup_person_rows() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into rollup_delta (fact, at, date_of_birth, area_id, gender, group_id, n)
    select 'registration', o.registered_at, o.date_of_birth, o.area_id, o.gender, o.priority_group_id, -1
    from old_rows o where o.removed_at is null;
  else
    insert into rollup_delta (fact, at, date_of_birth, area_id, gender, group_id, n)
    select 'registration', n.registered_at, n.date_of_birth, n.area_id, n.gender, n.priority_group_id, 1
    from new_rows n where n.removed_at is null;
  end if;
  return null;
end $$;

create function rollup_person_updated() returns trigger language plpgsql as $$
begin
  if old.removed_at is null then
    insert into rollup_delta (fact, at, date_of_birth, area_id, gender, group_id, n)
    values ('registration', old.registered_at, old.date_of_birth, old.area_id, old.gender, old.priority_group_id, -1);
  end if;
  if new.removed_at is null then
    insert into rollup_delta (fact, at, date_of_birth, area_id, gender, group_id, n)
    values ('registration', new.registered_at, new.date_of_birth, new.area_id, new.gender, new.priority_group_id, 1);
  end if;
  if (old.date_of_birth, old.area_id, old.gender, old.priority_group_id)
     is distinct from (new.date_of_birth, new.area_id, new.gender, new.priority_group_id) then
    -- A corrected date of birth, gender, area or group moves the person's doses and appointments.
    insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number,
                              gender, group_id, recorded_by, status, n)
    select 'dose', d.administered_on, s.dob, s.area, d.facility_id, d.product_id, d.lot_id, d.dose_number,
           s.gender, s.grp, d.recorded_by, null, s.n
    from (values (old.date_of_birth, old.area_id, old.gender, old.priority_group_id, -1),
                 (new.date_of_birth, new.area_id, new.gender, new.priority_group_id, 1)) as s(dob, area, gender, grp, n)
    join dose d on d.person_id = new.id and d.voided_at is null
    union all
    select 'appointment', a.session_date, s.dob, s.area, a.facility_id, a.product_id, null, a.dose_number,
           s.gender, s.grp, null, a.status, s.n
    from (values (old.date_of_birth, old.area_id, old.gender, old.priority_group_id, -1),
                 (new.date_of_birth, new.area_id, new.gender, new.priority_group_id, 1)) as s(dob, area, gender, grp, n)
    join appointment a on a.person_id = new.id;
  end if;
  return null;
end $$;

create trigger rollup_person_inserted after insert on person
  referencing new table as new_rows for each statement execute function rollup_person_rows();
create trigger rollup_person_deleted after delete on person
  referencing old table as old_rows for each statement execute function rollup_person_rows();
create trigger rollup_person_updated after update on person for each row
  when ((old.removed_at is null) <> (new.removed_at is null)
        or (old.date_of_birth, old.area_id, old.gender, old.priority_group_id)
           is distinct from (new.date_of_birth, new.area_id, new.gender, new.priority_group_id))
  execute function rollup_person_updated();

create function rollup_dose_rows() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number,
                              gender, group_id, recorded_by, n)
    select 'dose', o.administered_on, p.date_of_birth, p.area_id, o.facility_id, o.product_id, o.lot_id,
           o.dose_number, p.gender, p.priority_group_id, o.recorded_by, -1
    from old_rows o join person p on p.id = o.person_id
    where o.voided_at is null;
  else
    insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number,
                              gender, group_id, recorded_by, n)
    select 'dose', d.administered_on, p.date_of_birth, p.area_id, d.facility_id, d.product_id, d.lot_id,
           d.dose_number, p.gender, p.priority_group_id, d.recorded_by, 1
    from new_rows d join person p on p.id = d.person_id
    where d.voided_at is null;
  end if;
  return null;
end $$;

create function rollup_dose_updated() returns trigger language plpgsql as $$
begin
  insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, lot_id, dose_number,
                            gender, group_id, recorded_by, n)
  select 'dose', x.administered_on, p.date_of_birth, p.area_id, x.facility_id, x.product_id, x.lot_id,
         x.dose_number, p.gender, p.priority_group_id, x.recorded_by, x.n
  from (values (old.person_id, old.administered_on, old.facility_id, old.product_id, old.lot_id, old.dose_number,
                old.recorded_by, case when old.voided_at is null then -1 else 0 end),
               (new.person_id, new.administered_on, new.facility_id, new.product_id, new.lot_id, new.dose_number,
                new.recorded_by, case when new.voided_at is null then 1 else 0 end))
       as x(person_id, administered_on, facility_id, product_id, lot_id, dose_number, recorded_by, n)
  join person p on p.id = x.person_id
  where x.n <> 0;
  return null;
end $$;

create trigger rollup_dose_inserted after insert on dose
  referencing new table as new_rows for each statement execute function rollup_dose_rows();
create trigger rollup_dose_deleted after delete on dose
  referencing old table as old_rows for each statement execute function rollup_dose_rows();
-- Flags and review marks do not move a dose.
create trigger rollup_dose_updated after update on dose for each row
  when ((old.voided_at is null) <> (new.voided_at is null)
        or (old.person_id, old.administered_on, old.facility_id, old.product_id, old.lot_id, old.dose_number, old.recorded_by)
           is distinct from
           (new.person_id, new.administered_on, new.facility_id, new.product_id, new.lot_id, new.dose_number, new.recorded_by))
  execute function rollup_dose_updated();

create function rollup_appointment_rows() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, dose_number, gender,
                              group_id, status, n)
    select 'appointment', o.session_date, p.date_of_birth, p.area_id, o.facility_id, o.product_id, o.dose_number,
           p.gender, p.priority_group_id, o.status, -1
    from old_rows o join person p on p.id = o.person_id;
  else
    insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, dose_number, gender,
                              group_id, status, n)
    select 'appointment', a.session_date, p.date_of_birth, p.area_id, a.facility_id, a.product_id, a.dose_number,
           p.gender, p.priority_group_id, a.status, 1
    from new_rows a join person p on p.id = a.person_id;
  end if;
  return null;
end $$;

create function rollup_appointment_updated() returns trigger language plpgsql as $$
begin
  insert into rollup_delta (fact, day, date_of_birth, area_id, facility_id, product_id, dose_number, gender,
                            group_id, status, n)
  select 'appointment', x.session_date, p.date_of_birth, p.area_id, x.facility_id, x.product_id, x.dose_number,
         p.gender, p.priority_group_id, x.status, x.n
  from (values (old.person_id, old.session_date, old.facility_id, old.product_id, old.dose_number, old.status, -1),
               (new.person_id, new.session_date, new.facility_id, new.product_id, new.dose_number, new.status, 1))
       as x(person_id, session_date, facility_id, product_id, dose_number, status, n)
  join person p on p.id = x.person_id;
  return null;
end $$;

create trigger rollup_appointment_inserted after insert on appointment
  referencing new table as new_rows for each statement execute function rollup_appointment_rows();
create trigger rollup_appointment_deleted after delete on appointment
  referencing old table as old_rows for each statement execute function rollup_appointment_rows();
create trigger rollup_appointment_updated after update on appointment for each row
  when ((old.person_id, old.status, old.session_date, old.facility_id, old.product_id, old.dose_number)
        is distinct from (new.person_id, new.status, new.session_date, new.facility_id, new.product_id, new.dose_number))
  execute function rollup_appointment_updated();

create function rollup_stock_entry_added() returns trigger language plpgsql as $$
begin
  insert into rollup_delta (fact, at, facility_id, product_id, lot_id, status, direction, party, n)
  select 'stock', e.recorded_at, e.to_store_id, l.product_id, e.lot_id, e.kind, 'in',
         coalesce(e.from_party, 'store'), e.quantity
  from new_entries e join lot l on l.id = e.lot_id
  where e.to_store_id is not null
  union all
  select 'stock', e.recorded_at, e.from_store_id, l.product_id, e.lot_id, e.kind, 'out',
         coalesce(e.to_party, 'store'), e.quantity
  from new_entries e join lot l on l.id = e.lot_id
  where e.from_store_id is not null;
  return null;
end $$;

create trigger rollup_stock_entry_added after insert on stock_entry
  referencing new table as new_entries for each statement execute function rollup_stock_entry_added();

-- Sessions held and their capacity: a session counts unless cancelled, with its slots' capacity.
-- A new session has no slots of its own yet (or gets them in the same statement): the slots'
-- trigger counts their capacity. A session is deleted only after its slots, whose trigger took it off.
create function rollup_session_rows() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into rollup_delta (fact, day, facility_id, n, n3)
    select 'session', o.session_date, o.facility_id, -1, -(extract(epoch from o.ends_at - o.starts_at) / 60)::integer
    from old_rows o where o.status <> 'cancelled';
  else
    insert into rollup_delta (fact, day, facility_id, n, n3)
    select 'session', v.session_date, v.facility_id, 1, (extract(epoch from v.ends_at - v.starts_at) / 60)::integer
    from new_rows v where v.status <> 'cancelled';
  end if;
  return null;
end $$;

create function rollup_session_updated() returns trigger language plpgsql as $$
declare
  cap integer := coalesce((select sum(s.capacity) from session_slot s where s.session_id = new.id), 0);
begin
  if old.status <> 'cancelled' then
    insert into rollup_delta (fact, day, facility_id, n, n2, n3)
    values ('session', old.session_date, old.facility_id, -1, -cap,
            -(extract(epoch from old.ends_at - old.starts_at) / 60)::integer);
  end if;
  if new.status <> 'cancelled' then
    insert into rollup_delta (fact, day, facility_id, n, n2, n3)
    values ('session', new.session_date, new.facility_id, 1, cap,
            (extract(epoch from new.ends_at - new.starts_at) / 60)::integer);
  end if;
  return null;
end $$;

create trigger rollup_session_inserted after insert on vaccination_session
  referencing new table as new_rows for each statement execute function rollup_session_rows();
create trigger rollup_session_deleted after delete on vaccination_session
  referencing old table as old_rows for each statement execute function rollup_session_rows();
create trigger rollup_session_updated after update on vaccination_session for each row
  when ((old.status = 'cancelled') <> (new.status = 'cancelled')
        or (old.session_date, old.facility_id, old.starts_at, old.ends_at)
           is distinct from (new.session_date, new.facility_id, new.starts_at, new.ends_at))
  execute function rollup_session_updated();

create function rollup_slot_rows() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into rollup_delta (fact, day, facility_id, n, n2)
    select 'session', v.session_date, v.facility_id, 0, -sum(o.capacity)
    from old_rows o join vaccination_session v on v.id = o.session_id
    where v.status <> 'cancelled' group by 1, 2, 3;
  else
    insert into rollup_delta (fact, day, facility_id, n, n2)
    select 'session', v.session_date, v.facility_id, 0, sum(s.capacity)
    from new_rows s join vaccination_session v on v.id = s.session_id
    where v.status <> 'cancelled' group by 1, 2, 3;
  end if;
  return null;
end $$;

create function rollup_slot_updated() returns trigger language plpgsql as $$
begin
  insert into rollup_delta (fact, day, facility_id, n, n2)
  select 'session', v.session_date, v.facility_id, 0, x.cap
  from (values (old.session_id, -old.capacity), (new.session_id, new.capacity)) as x(session_id, cap)
  join vaccination_session v on v.id = x.session_id
  where v.status <> 'cancelled';
  return null;
end $$;

create trigger rollup_slot_inserted after insert on session_slot
  referencing new table as new_rows for each statement execute function rollup_slot_rows();
create trigger rollup_slot_deleted after delete on session_slot
  referencing old table as old_rows for each statement execute function rollup_slot_rows();
-- Bookings change `booked`, never `capacity`: the condition keeps them from calling anything.
create trigger rollup_slot_updated after update on session_slot for each row
  when (old.capacity <> new.capacity or old.session_id <> new.session_id)
  execute function rollup_slot_updated();

-- What is already on record is counted by the first rebuild (the server runs one when it finds the
-- rollups never built).
update rollup_state set rebuilt_at = now()
where not exists (select 1 from person) and not exists (select 1 from stock_entry)
  and not exists (select 1 from vaccination_session);
