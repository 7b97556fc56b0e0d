-- The day-before reminder (scheduling/sessions.ts, sendReminders) takes tomorrow's booked
-- appointments not yet reminded and made before today, a thousand at a time. Without an index of
-- its own each pass walked every booked appointment through the slot index to find them: over a
-- second per pass once a national auto-scheduler run had written tomorrow's appointments, and the
-- pass repeats until none is left. Reminded and cancelled appointments leave the index.
create index appointment_reminder_idx on appointment (session_date, created_at)
  where status = 'booked' and reminded_at is null;
