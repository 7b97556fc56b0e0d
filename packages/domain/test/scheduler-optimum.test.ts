import { describe, expect, it } from 'vitest';
import { autoSchedule } from '../src/index.ts';
import { eligibility, exactOptimum, facilityLocations } from './support/exact-optimum.ts';
import { syntheticInstance, type InstanceShape } from './support/scheduler-instances.ts';

/**
 * The scheduler against the exact optimum of the same objective (priority weights of the people
 * placed minus distance and product-switch penalties), solved as a MIP by HiGHS, on district-sized
 * instances where seats are short. The scheduler's objective is recomputed here from the plain
 * rules, so a schedule that broke a hard constraint could not score.
 */
const INSTANCES: InstanceShape[] = [
  { seed: 1, people: 300, facilities: 4, days: 7, seatsPerPerson: 0.8 },
  { seed: 2, people: 800, facilities: 8, days: 7, seatsPerPerson: 0.6 },
  { seed: 3, people: 2000, facilities: 20, days: 7, seatsPerPerson: 0.8 },
  { seed: 5, people: 2000, facilities: 10, days: 14, seatsPerPerson: 0.84 },
];

describe('auto-scheduler against the exact optimum (HiGHS)', () => {
  it.each(
    INSTANCES.map(
      (shape) =>
        [`${shape.people} people, ${shape.facilities} facilities, ${shape.days} days`, shape] as const,
    ),
  )(
    '%s: within 2% of the optimum, every placement valid',
    async (_name, shape) => {
      const input = syntheticInstance(shape);
      const result = autoSchedule(input);
      const locations = facilityLocations(input);
      const slots = new Map(input.slots.map((s) => [s.slotId, s]));
      const people = new Map(input.people.map((p) => [p.personId, p]));
      const used = new Map<number, number>();
      let objective = 0;
      for (const a of result.assignments) {
        const e = eligibility(people.get(a.personId)!, slots.get(a.slotId)!, input, locations);
        if (!e.ok)
          throw new Error(`person ${a.personId} placed in slot ${a.slotId} against the rules (${e.why})`);
        objective += e.value;
        used.set(a.slotId, (used.get(a.slotId) ?? 0) + 1);
      }
      for (const [slotId, n] of used) expect(n).toBeLessThanOrEqual(slots.get(slotId)!.remaining);

      const optimum = await exactOptimum(input);
      // Seats are short: the optimum leaves people waiting, so the comparison is not trivial.
      expect(optimum.placed).toBeLessThan(shape.people * 0.9);
      const gap = (optimum.objective - objective) / optimum.objective;
      expect(gap).toBeGreaterThanOrEqual(-1e-9);
      expect(gap, `objective ${objective.toFixed(3)} against ${optimum.objective.toFixed(3)}`).toBeLessThan(
        0.02,
      );
    },
    60_000,
  );
});
