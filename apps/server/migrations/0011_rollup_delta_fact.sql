-- The report rollups' worker takes pending deltas one kind of fact at a time
-- (`select ctid from rollup_delta where fact = ... limit ...`, reports/rollups.ts). Without an
-- index each of the five statements of a pass read the table from its start: through the rows
-- earlier passes deleted and vacuum had not yet reclaimed, through the other facts' rows, and to
-- the very end for a fact with nothing pending. During a national auto-scheduler run, which
-- writes an appointment delta per person placed, every pass read the whole table four times to
-- find no dose, registration, stock or session deltas (about 90 ms each at 300,000 pending rows,
-- on both cores). With the index, a fact with nothing pending costs a look at one index page.
create index rollup_delta_fact_idx on rollup_delta (fact);
