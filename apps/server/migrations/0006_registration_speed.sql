-- Registration in fewer round trips.
--
-- The number of people a phone's account holds (not removed), kept on the account by the database
-- so that every way of adding, moving or removing a person keeps it alike. A registration stores
-- the person in one statement that first locks the account row with
-- `select ... where family_size < limit for update`: concurrent registrations on one phone wait for
-- each other there, and the condition is checked again on the newest row once the lock is granted,
-- so they cannot pass the family limit together, without a transaction held open across several
-- statements.
alter table citizen_account add column family_size integer not null default 0 check (family_size >= 0);

create function person_family_size() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.citizen_account_id is not distinct from new.citizen_account_id
     and (old.removed_at is null) = (new.removed_at is null) then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') and old.citizen_account_id is not null and old.removed_at is null then
    update citizen_account set family_size = family_size - 1 where id = old.citizen_account_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.citizen_account_id is not null and new.removed_at is null then
    update citizen_account set family_size = family_size + 1 where id = new.citizen_account_id;
  end if;
  return null;
end $$;

create trigger person_family_size after insert or update of citizen_account_id, removed_at or delete on person
  for each row execute function person_family_size();

update citizen_account a
set family_size = f.n
from (
  select citizen_account_id, count(*)::integer as n
  from person
  where removed_at is null and citizen_account_id is not null
  group by citizen_account_id
) f
where a.id = f.citizen_account_id;

-- Sign-in code challenges live for minutes and are worth nothing after a crash: unlogged, as the
-- rate counters are. A crash (or a failover to a replica) empties the table: codes in flight must
-- be asked for again, and no challenge survives it, so no try count can be lost while its code is
-- still good. Counting a try then writes no WAL and waits for no disk flush.
alter table otp_challenge set unlogged;
