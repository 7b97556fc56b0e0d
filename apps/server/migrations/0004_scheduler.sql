-- The auto-scheduler's runs: one at a time, and a heartbeat to tell a run in progress from one
-- whose process died (a run that has not moved for ten minutes no longer blocks the next).
alter table schedule_run add column heartbeat_at timestamptz not null default now();
create unique index schedule_run_running_idx on schedule_run ((true)) where status = 'running';
