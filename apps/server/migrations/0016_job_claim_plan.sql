-- The job claim as a function whose plan never sorts the queue. With the due index in claim
-- order (0015) the first due jobs are the index's first entries, but the planner still chose to
-- read every due job and sort them when its statistics said the queue was small: on a server
-- whose statistics are not kept up to date (autovacuum off, or behind during a day of doses) a
-- claim took 84-134 ms with 200,000 certificate jobs queued, and the certificate worker's claims
-- became the largest load on the database. The function's own settings rule out the sort and
-- the bitmap scan for its statement, so the claim reads the index in order whatever the
-- statistics say; the claimed rows are then updated by key (a join with them was planned, for a
-- limit the plan does not know, as a hash of the whole table: 92 ms a claim). `p_at` is the time
-- the claim is made at (now() unless a test's clock says).
create function job_claim(p_kinds text[], p_batch integer, p_at timestamptz, p_lease_ms float8)
returns table (id bigint, kind text, payload jsonb, attempts integer)
language sql
set enable_sort = off
set enable_bitmapscan = off
as $$
  with due as materialized (
    select j.id from job j
    where j.status in ('queued', 'running') and j.run_at <= p_at
      and (j.status = 'queued' or j.locked_until <= p_at)
      and j.kind = any(p_kinds)
    order by j.run_at, j.id
    limit p_batch
    for update skip locked
  )
  update job set status = 'running', attempts = job.attempts + 1,
                 locked_until = p_at + p_lease_ms * interval '1 millisecond'
  where job.id = any(array(select due.id from due))
  returning job.id, job.kind, job.payload, job.attempts
$$;
