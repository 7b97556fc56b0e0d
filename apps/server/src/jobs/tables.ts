import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely type of the `job` table (migrations/0002_registration.sql). Kept here until it is merged
 * into db/schema.ts; queries reach it through `db.$extendTables<JobTables>()`.
 */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface JobTable {
  id: Generated<number>;
  kind: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  attempts: Generated<number>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Generated<Date>;
  finished_at: Timestamp | null;
}

// A type alias, not an interface: $extendTables wants a type with an implicit index signature.
export type JobTables = {
  job: JobTable;
};
