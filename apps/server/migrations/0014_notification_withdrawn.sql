-- Bulk messages about an appointment (an auto-scheduler assignment, a day-before reminder) may wait
-- hours for their turn at the SMS gateway (SMS_BULK_RATE). One whose appointment was cancelled or
-- moved meanwhile is not sent: it is marked withdrawn when its turn comes
-- (notifications/worker.ts).
alter table notification drop constraint notification_status_check;
alter table notification add constraint notification_status_check
  check (status in ('queued', 'sending', 'sent', 'failed', 'withdrawn'));
