/**
 * Calls that arrive while others are in progress, run together. A call that finds fewer than
 * `concurrency` runs in progress runs at once on its own (`one`); calls that arrive while all are
 * busy wait, and the next run takes up to `max` of them in arrival order (`many`, which answers
 * each in the order given). If the database refuses a run of many, each of its calls runs again on
 * its own, so every caller gets the answer it would have got alone.
 *
 * `apart` names what two calls of one run must not share (they wait for a later run), and
 * `exclusive` what no two runs in progress may share (a call waits until the run holding it ends).
 */
export function coalesce<A, R>(
  one: (arg: A) => Promise<R>,
  many: (args: A[]) => Promise<R[]>,
  opts: {
    concurrency?: number;
    max?: number;
    apart?: (arg: A) => readonly (string | number)[];
    exclusive?: (arg: A) => readonly string[];
  } = {},
): (arg: A) => Promise<R> {
  const concurrency = opts.concurrency ?? 2;
  const max = opts.max ?? 64;
  const apart = opts.apart ?? (() => []);
  const exclusive = opts.exclusive ?? (() => []);
  type Waiting = { arg: A; resolve: (r: R) => void; reject: (err: unknown) => void };
  let waiting: Waiting[] = [];
  let running = 0;
  /** What runs in progress hold (`exclusive`). */
  const held = new Set<string>();

  const alone = (w: Waiting) => one(w.arg).then(w.resolve, w.reject);

  async function run(batch: Waiting[]) {
    if (batch.length === 1) return alone(batch[0]!);
    let answers: R[];
    try {
      answers = await many(batch.map((w) => w.arg));
    } catch (err) {
      // Refused by the database: each call alone. Any other failure (the connection lost, perhaps
      // after a commit) is every call's answer, as it would have been alone: never run twice.
      if (refusedByDatabase(err)) for (const w of batch) await alone(w);
      else for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => w.resolve(answers[i]!));
  }

  function pump() {
    while (running < concurrency && waiting.length) {
      const batch: Waiting[] = [];
      const later: Waiting[] = [];
      const taken = new Set<string | number>();
      const holds = new Set<string>();
      for (const w of waiting) {
        const own = apart(w.arg);
        const shared = exclusive(w.arg);
        if (batch.length < max && !own.some((k) => taken.has(k)) && !shared.some((k) => held.has(k))) {
          batch.push(w);
          for (const k of own) taken.add(k);
          for (const k of shared) holds.add(k);
        } else later.push(w);
      }
      if (!batch.length) return;
      waiting = later;
      running++;
      for (const k of holds) held.add(k);
      void run(batch).finally(() => {
        running--;
        for (const k of holds) held.delete(k);
        pump();
      });
    }
  }

  return (arg: A) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ arg, resolve, reject });
      pump();
    });
}

/**
 * The database refused the statement for what it found in the data: a row changed twice by one
 * statement (21), a data exception (22), an integrity constraint (23), a deadlock or serialization failure (40), a lock not available (55),
 * or a trigger's own refusal (P0). Not a lost connection or a timeout, and not a fault of the
 * statement itself (a syntax error, a missing column), which no retry one by one would mend.
 */
export function refusedByDatabase(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(21|22|23|40|55|P0)[0-9A-Z]{3}$/.test(code);
}
