import { sql } from 'kysely';
import { authorize, type Principal } from '../access/policy.ts';
import type { RequestContext } from '../access/service.ts';
import { recordAudit } from '../audit/audit.ts';
import { withTransaction, type Db } from '../db/database.ts';
import { AppError, badRequest } from '../http/errors.ts';
import { readCsv } from '../reference/csv.ts';
import { rebuildPopulationCube, ROLLUP_LOCK } from './rollups.ts';
import { areaDto, inArea, resolveTarget } from './scope.ts';
import { AGE_BAND_LABELS, type PopulationReportT } from './schemas.ts';
import { AGE_BANDS, GENDERS, type GenderT } from './service.ts';

/** "18-29" or "80+" (and "18" for the band starting at 18) → the band's lower bound. */
export function ageBandOf(label: string): number | undefined {
  const i = AGE_BAND_LABELS.indexOf(label as (typeof AGE_BAND_LABELS)[number]);
  if (i >= 0) return AGE_BANDS[i];
  const n = /^\d{1,2}$/.test(label) ? Number(label) : NaN;
  return (AGE_BANDS as readonly number[]).includes(n) ? n : undefined;
}

export interface PopulationLineError {
  line: number;
  code: string;
  field?: string;
  message: string;
}

const MAX_LINES = 200_000;

/**
 * Population denominators: imported by CSV (area_code, age_band, gender, population) for
 * lowest-level areas, a whole file or nothing; the population cube is rebuilt in the same transaction.
 */
export function populationService(deps: { db: Db; read: Db }) {
  const { db, read } = deps;

  async function importCsv(actor: Principal, text: string, ctx: RequestContext) {
    const { rows, lines, error } = readCsv(text);
    if (error) throw badRequest('invalid_csv', `The file is not readable as CSV: ${error}`);
    if (!rows.length)
      throw badRequest('empty_file', 'The file holds no lines after the header: nothing was imported.');
    const header = Object.keys(rows[0]!);
    const missing = ['area_code', 'age_band', 'gender', 'population'].filter((c) => !header.includes(c));
    if (missing.length)
      throw badRequest(
        'invalid_header',
        `The header row must name the columns area_code, age_band, gender and population (missing: ${missing.join(', ')}).`,
      );
    if (rows.length > MAX_LINES)
      throw badRequest('too_many_lines', `A file may hold at most ${MAX_LINES} lines; split it.`);

    const codes = [...new Set(rows.map((r) => r.area_code ?? '').filter(Boolean))];
    const deepest = await read
      .selectFrom('area_level')
      .select((eb) => eb.fn.max('depth').as('depth'))
      .executeTakeFirst();
    const found = new Map<string, { id: number; depth: number; path: string }>();
    for (let i = 0; i < codes.length; i += 5000) {
      const chunk = codes.slice(i, i + 5000);
      for (const a of await read
        .selectFrom('area')
        .select(['id', 'code', 'depth', 'path'])
        .where('code', 'in', chunk)
        .execute())
        found.set(a.code, a);
    }

    const problems: PopulationLineError[] = [];
    const outside: PopulationLineError[] = [];
    const seen = new Map<string, number>();
    const values: { area_id: number; age_band: number; gender: GenderT; people: number }[] = [];
    rows.forEach((r, i) => {
      const line = lines[i] ?? i + 2;
      const problem = (code: string, field: string, message: string) =>
        problems.push({ line, code, field, message });
      const code = r.area_code ?? '';
      const area = found.get(code);
      if (!code) return problem('missing_area_code', 'area_code', 'The area code is empty.');
      if (!area) return problem('unknown_area', 'area_code', `There is no area with code "${code}".`);
      if (area.depth !== Number(deepest?.depth))
        return problem(
          'not_lowest_level',
          'area_code',
          `The area "${code}" is not at the lowest level; populations are given for the lowest-level areas only.`,
        );
      if (!authorize(actor, 'area.write', { kind: 'area', areaPath: area.path }))
        return outside.push({
          line,
          code: 'forbidden',
          field: 'area_code',
          message: `You may not change the area "${code}".`,
        });
      const band = ageBandOf(r.age_band ?? '');
      if (band === undefined)
        return problem(
          'invalid_age_band',
          'age_band',
          `The age band "${r.age_band ?? ''}" is not one of ${AGE_BAND_LABELS.join(', ')}.`,
        );
      const gender = r.gender as GenderT;
      if (!GENDERS.includes(gender))
        return problem(
          'invalid_gender',
          'gender',
          `The gender "${r.gender ?? ''}" is not female, male or third_gender.`,
        );
      const raw = r.population ?? '';
      if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2_000_000_000)
        return problem(
          'invalid_population',
          'population',
          `The population "${raw}" is not a whole number of people.`,
        );
      const key = `${area.id}:${band}:${gender}`;
      const earlier = seen.get(key);
      if (earlier !== undefined)
        return problem(
          'duplicate_line',
          'area_code',
          `Line ${earlier} already gives this area, age band and gender.`,
        );
      seen.set(key, line);
      values.push({ area_id: area.id, age_band: band, gender, people: Number(raw) });
    });
    if (outside.length)
      throw new AppError(
        403,
        'forbidden',
        `The file gives populations of areas outside your roles (the first on line ${outside[0]!.line}); nothing was imported.`,
        outside.slice(0, 1000),
      );
    if (problems.length)
      throw new AppError(
        400,
        'invalid_lines',
        `${problems.length} line${problems.length === 1 ? '' : 's'} of the file cannot be imported (the first on line ${problems[0]!.line}: ${problems[0]!.message}); nothing was imported.`,
        problems.slice(0, 1000),
      );

    const areaIds = [...new Set(values.map((v) => v.area_id))];
    await withTransaction(db, async (trx) => {
      // The rollups' lock (rollups.ts): one writer of cube_population at a time, imports and rebuilds alike.
      await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK})`.execute(trx);
      for (let i = 0; i < values.length; i += 5000) {
        const chunk = values.slice(i, i + 5000);
        await trx
          .insertInto('population')
          .values(chunk.map((v) => ({ ...v, updated_by: actor.userId })))
          .onConflict((oc) =>
            oc.columns(['area_id', 'age_band', 'gender']).doUpdateSet((eb) => ({
              people: eb.ref('excluded.people'),
              updated_by: eb.ref('excluded.updated_by'),
              updated_at: sql<Date>`now()`,
            })),
          )
          .execute();
      }
      await rebuildPopulationCube(trx);
      await recordAudit(trx, {
        actorKind: 'staff',
        actorId: actor.userId,
        action: 'population.imported',
        entityType: 'population',
        areaId: areaIds.length === 1 ? areaIds[0]! : null,
        requestId: ctx.requestId,
        ip: ctx.ip,
        details: { lines: values.length, areas: areaIds.length },
      });
    });
    return { imported: values.length, areas: areaIds.length };
  }

  async function population(p: Principal, areaId: number | undefined): Promise<PopulationReportT> {
    const { area } = await resolveTarget(read, p, 'report.read', areaId, 'area');
    const { rows } = await sql<{ age_band: number; gender: GenderT; people: number }>`
      select age_band, gender, sum(people)::bigint as people from cube_population
      where ${inArea('area_id', area)} group by age_band, gender`.execute(read);
    const sum = (pick: (r: (typeof rows)[number]) => boolean) =>
      rows.filter(pick).reduce((n, r) => n + Number(r.people), 0);
    return {
      area: areaDto(area),
      total: sum(() => true),
      byAgeBand: AGE_BANDS.map((b, i) => ({
        ageBand: b,
        label: AGE_BAND_LABELS[i]!,
        people: sum((r) => Number(r.age_band) === b),
      })),
      byGender: GENDERS.map((g) => ({ gender: g, people: sum((r) => r.gender === g) })),
    };
  }

  return { importCsv, population };
}

export type PopulationService = ReturnType<typeof populationService>;
