-- The SMS outbox: what goes first, and in what order.
--
-- A one-time code must not wait behind a bulk run's messages: an auto-scheduler run queues an
-- "appointment assigned" SMS for each of hundreds of thousands of people at once, and a gateway
-- sends a few hundred a second, so a code queued after them would expire before its turn. Each
-- message has a priority from its template, kept by the database so that every statement that
-- queues one (several write their SMS in the same statement as their fact) gets it alike:
--   0  one-time codes;
--   1  what a person has just done or must know now (registration, booking, change, cancellation,
--      a cancelled session, a dose recorded);
--   2  bulk: appointments the auto-scheduler assigned, day-before reminders, missed appointments.
-- The delivery loop claims the highest priority first and, within one, the earliest due
-- (next_attempt_at, id).
--
-- The id is in the index as well: every message queued by one statement has the same time (the
-- statement's now()), and an index on the time alone made each claim of a few dozen sort all of
-- them again (25,000 for an auto-scheduler batch), so the outbox was claimed more slowly than it
-- filled.
alter table notification add column priority smallint not null generated always as (
  case
    when template = 'otp' then 0
    when template in ('appointment_assigned', 'appointment_reminder', 'appointment_missed') then 2
    else 1
  end) stored;

drop index notification_due_idx;
create index notification_due_idx on notification (priority, next_attempt_at, id)
  where status in ('queued', 'sending');
