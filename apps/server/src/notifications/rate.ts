/**
 * A send rate for the SMS gateway: a token bucket that refills continuously at `perSecond` and
 * holds at most one second's worth (at least one send), so a quiet gateway can take a short burst
 * but never more than its rate over any second. 0 or less means no limit: as fast as the gateway
 * answers.
 *
 * One bucket is shared by a process's delivery loops. Sends are taken before the outbox is claimed
 * (the claim asks for no more rows than were granted) and what the claim did not use is given back.
 */
export class SendRate {
  private tokens: number;
  private last: number;
  /** One second's worth, and at least one send: a rate under 1/s still sends now and then. */
  private readonly capacity: number;

  constructor(
    readonly perSecond: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(perSecond, 1);
    this.tokens = this.capacity;
    this.last = nowMs();
  }

  get limited(): boolean {
    return this.perSecond > 0;
  }

  /**
   * Takes up to `wanted` sends now and returns how many were granted (all of them without a limit).
   * With `atLeast`, grants nothing until that many are there: a claim costs the database about the
   * same for one message as for fifty, so bulk is claimed in chunks rather than a message or two
   * each time the loops come round.
   */
  take(wanted: number, atLeast = 1): number {
    if (!this.limited) return wanted;
    const now = this.nowMs();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    const available = Math.floor(this.tokens);
    if (available < Math.min(atLeast, wanted, Math.floor(this.capacity))) return 0;
    const granted = Math.max(0, Math.min(wanted, available));
    this.tokens -= granted;
    return granted;
  }

  /** A quarter of a second's worth (at least one): the chunk bulk is claimed in. */
  get chunk(): number {
    return Math.max(1, Math.floor(this.perSecond / 4));
  }

  /** Returns sends that were taken but not used. */
  giveBack(unused: number): void {
    if (!this.limited || unused <= 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + unused);
  }
}

/** The delivery loops' limits: every message, and bulk messages (priority 2) on their own. */
export interface SendRates {
  all: SendRate;
  bulk: SendRate;
}

/**
 * The rates of one process, from the deployment's rates: `processes` processes deliver the outbox
 * side by side, each at its share. No limit stays no limit.
 */
export function sendRates(opts: { perSecond: number; bulkPerSecond: number; processes: number }): SendRates {
  const share = (rate: number) => (rate > 0 ? rate / Math.max(1, opts.processes) : 0);
  return { all: new SendRate(share(opts.perSecond)), bulk: new SendRate(share(opts.bulkPerSecond)) };
}

export const UNLIMITED: SendRates = { all: new SendRate(0), bulk: new SendRate(0) };
