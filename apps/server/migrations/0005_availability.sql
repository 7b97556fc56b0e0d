-- Availability: what changed, for the one-second caches of the public availability reads.
--
-- Every change to a session or a slot (a booking's `booked = booked + 1` included) appends a row
-- naming the facility and date it touches; a change to areas, facilities or products appends one
-- 'reference' row per statement. Readers poll the rows of transactions that were not yet visible
-- at their previous poll (by transaction id, so a slow transaction is never skipped) and reload
-- only the district-weeks that changed, instead of re-reading every session every second.
-- Append-only: writers never wait on each other here. Old rows are deleted by the readers.

create table availability_change (
  id bigint generated always as identity primary key,
  xid xid8 not null default pg_current_xact_id(),
  kind text not null check (kind in ('session', 'reference', 'all')),
  facility_id bigint,
  session_date date,
  changed_at timestamptz not null default now()
);
create index availability_change_xid_idx on availability_change (xid);
create index availability_change_time_idx on availability_change (changed_at);

create function availability_session_changed() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    insert into availability_change (kind, facility_id, session_date) values ('session', old.facility_id, old.session_date);
  end if;
  if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.facility_id <> old.facility_id or new.session_date <> old.session_date) then
    insert into availability_change (kind, facility_id, session_date) values ('session', new.facility_id, new.session_date);
  end if;
  return null;
end $$;

create trigger availability_session_changed after insert or update or delete on vaccination_session
  for each row execute function availability_session_changed();

create function availability_slot_changed() returns trigger language plpgsql as $$
begin
  insert into availability_change (kind, facility_id, session_date)
  select 'session', s.facility_id, s.session_date
  from vaccination_session s
  where s.id in (case when tg_op = 'INSERT' then null else old.session_id end,
                 case when tg_op = 'DELETE' then null else new.session_id end);
  return null;
end $$;

create trigger availability_slot_changed after insert or update or delete on session_slot
  for each row execute function availability_slot_changed();

create function availability_reference_changed() returns trigger language plpgsql as $$
begin
  insert into availability_change (kind) values (case when tg_op = 'TRUNCATE' then 'all' else 'reference' end);
  return null;
end $$;

create trigger availability_area_changed after insert or update or delete or truncate on area
  for each statement execute function availability_reference_changed();
create trigger availability_facility_changed after insert or update or delete or truncate on facility
  for each statement execute function availability_reference_changed();
create trigger availability_product_changed after insert or update or delete or truncate on vaccine_product
  for each statement execute function availability_reference_changed();

create function availability_sessions_truncated() returns trigger language plpgsql as $$
begin
  insert into availability_change (kind) values ('all');
  return null;
end $$;

create trigger availability_session_truncated after truncate on vaccination_session
  for each statement execute function availability_sessions_truncated();
create trigger availability_slot_truncated after truncate on session_slot
  for each statement execute function availability_sessions_truncated();
