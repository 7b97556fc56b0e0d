import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/db/coalesce.ts';

/** A run that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('calls run together while others are in progress', () => {
  it('runs the first calls alone and those that waited in one run, each answered in its own order', async () => {
    const first = gate();
    const runs: string[] = [];
    const call = coalesce(
      async (n: number) => {
        runs.push(`one ${n}`);
        if (n === 1) await first.opened;
        return n * 10;
      },
      async (ns: number[]) => {
        runs.push(`many ${ns.join(',')}`);
        return ns.map((n) => n * 10);
      },
      { concurrency: 1 },
    );
    const answers = Promise.all([1, 2, 3, 4].map((n) => call(n)));
    await Promise.resolve();
    first.open();
    expect(await answers).toEqual([10, 20, 30, 40]);
    expect(runs).toEqual(['one 1', 'many 2,3,4']);
  });

  it('runs each call of a run the database refused alone, so only the call at fault fails', async () => {
    const first = gate();
    const call = coalesce(
      async (n: number) => {
        if (n === 1) await first.opened;
        if (n === 3) throw new Error('three refused');
        return n;
      },
      async () => {
        throw Object.assign(new Error('ON CONFLICT DO UPDATE command cannot affect row a second time'), {
          code: '21000',
        });
      },
      { concurrency: 1 },
    );
    const answers = [1, 2, 3, 4].map((n) => call(n).catch((err: Error) => err.message));
    first.open();
    expect(await Promise.all(answers)).toEqual([1, 2, 'three refused', 4]);
  });

  it('runs none again when the statement itself is at fault (a syntax error), giving each call the error', async () => {
    const first = gate();
    let alone = 0;
    const call = coalesce(
      async (n: number) => {
        alone++;
        if (n === 1) await first.opened;
        return n;
      },
      async () => {
        throw Object.assign(new Error('column "x" does not exist'), { code: '42703' });
      },
      { concurrency: 1 },
    );
    const answers = [1, 2, 3].map((n) => call(n).catch((err: Error) => err.message));
    first.open();
    expect(await Promise.all(answers)).toEqual([1, 'column "x" does not exist', 'column "x" does not exist']);
    expect(alone).toBe(1);
  });

  it('gives every call of a run that failed otherwise (a lost connection) that failure, and runs none again', async () => {
    const first = gate();
    let alone = 0;
    const call = coalesce(
      async (n: number) => {
        alone++;
        if (n === 1) await first.opened;
        return n;
      },
      async () => {
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      },
      { concurrency: 1 },
    );
    const answers = [1, 2, 3].map((n) => call(n).catch((err: Error) => err.message));
    first.open();
    expect(await Promise.all(answers)).toEqual([
      1,
      'Connection terminated unexpectedly',
      'Connection terminated unexpectedly',
    ]);
    expect(alone).toBe(1);
  });

  it('takes at most `max` calls in one run', async () => {
    const first = gate();
    const sizes: number[] = [];
    const call = coalesce(
      async (n: number) => {
        if (n === 0) await first.opened;
        sizes.push(1);
        return n;
      },
      async (ns: number[]) => {
        sizes.push(ns.length);
        return ns;
      },
      { concurrency: 1, max: 3 },
    );
    const answers = Promise.all(Array.from({ length: 8 }, (_, n) => call(n)));
    first.open();
    expect(await answers).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('keeps calls that share an `apart` key in separate runs, and an `exclusive` key in one run at a time', async () => {
    const gates = new Map<number, ReturnType<typeof gate>>();
    const runs: number[][] = [];
    const hold = async (ns: number[]) => {
      runs.push(ns);
      const g = gate();
      gates.set(runs.length, g);
      await g.opened;
      return ns;
    };
    const call = coalesce((n: number) => hold([n]).then(([x]) => x!), hold, {
      concurrency: 2,
      // Even numbers never share a run; 10 and 11 hold the same vial.
      apart: (n) => (n % 2 === 0 ? ['even'] : []),
      exclusive: (n) => (n >= 10 ? ['vial'] : []),
    });
    const answers = Promise.all([10, 1, 11, 2, 3, 4].map((n) => call(n)));
    await new Promise((r) => setTimeout(r, 0));
    // 10 and 1 start alone; the others wait until one of them ends.
    expect(runs).toEqual([[10], [1]]);
    gates.get(2)!.open();
    await new Promise((r) => setTimeout(r, 0));
    // 11 waits for the vial that 10 holds; of 2 and 4 only the first joins.
    expect(runs[2]).toEqual([2, 3]);
    gates.get(1)!.open();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs[3]).toEqual([11, 4]);
    gates.get(3)!.open();
    gates.get(4)!.open();
    expect(await answers).toEqual([10, 1, 11, 2, 3, 4]);
  });
});
