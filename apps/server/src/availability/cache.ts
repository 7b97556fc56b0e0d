import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Public availability reads tolerate one second of staleness and no more. Two layers keep them
 * cheap under a crowd of slot finders polling the same districts:
 *
 * - Sources: data read from the database (the reference data, one district's sessions for a
 *   week). Each is loaded by one query at a time however many requests want it (single flight)
 *   and counts as fresh for `ttlMs` from the moment that query started. With a change feed
 *   (below), a source nothing changed in stays fresh without a reload: each poll of the feed
 *   that finds no change for it moves its freshness to the poll's start. A reload that finds the
 *   same content keeps the source's version, so nothing built on it is rebuilt.
 * - Responses: the serialised body of one normalised request, with its ETag, and the versions of
 *   the sources it was built from. A hit is a few comparisons and a write of bytes made once.
 */
export interface CacheTiming {
  /** How long data counts as fresh, from the moment the query that proved it current started. */
  ttlMs: number;
  /** Age after which a source in use is brought up to date in the background. */
  refreshAfterMs: number;
  now: () => number;
}

export const DEFAULT_TIMING: CacheTiming = { ttlMs: 1000, refreshAfterMs: 500, now: () => performance.now() };

export interface Source {
  /** Changes only when a reload finds different content. */
  readonly version: number;
  /** The content is known to be current as of this time (timing.now clock); -Infinity before the first load. */
  readonly loadedAt: number;
  /** Resolves when the content is fresh; undefined when it is already. Starts background work when it ages. */
  fresh(): Promise<void> | undefined;
}

/** A source a response was built from, and the version it had then. */
export interface Dependency {
  source: Source;
  version: number;
}

/**
 * Polls of "what changed since the last poll". Each poll that completes is numbered; a source
 * loaded after poll n completed is kept current by every later poll: marked dirty when a poll
 * names a change in it, otherwise known current as of that poll's start.
 */
export class ChangeFeed<C> {
  /** Polls completed. */
  completed = 0;
  private inflight: Promise<void> | null = null;
  private usedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly poll: () => Promise<C>,
    private readonly apply: (seq: number, startedAt: number, changes: C) => void,
    private readonly timing: CacheTiming,
    /** Time between polls while the feed is in use. */
    private readonly intervalMs = 200,
    /** The feed stops polling when nobody used it for this long. */
    private readonly idleMs = 10_000,
  ) {}

  /** The next poll to complete (one at a time). */
  next(): Promise<void> {
    this.use();
    if (this.inflight) return this.inflight;
    const startedAt = this.timing.now();
    this.inflight = this.poll()
      .then((changes) => {
        this.completed++;
        this.apply(this.completed, startedAt, changes);
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Keeps polling in the background while sources are read. */
  use(): void {
    this.usedAt = this.timing.now();
    if (this.timer) return;
    const tick = () => {
      if (this.timing.now() - this.usedAt > this.idleMs) {
        this.timer = undefined;
        return;
      }
      const done = () => {
        this.timer = setTimeout(tick, this.intervalMs);
        this.timer.unref();
      };
      this.next().then(done, done);
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }
}

/** Data loaded by one query at a time, reloaded when it changed or is too old. */
export class Loaded<T> implements Source {
  version = 0;
  loadedAt = Number.NEGATIVE_INFINITY;
  dirty = false;
  private value: T | undefined;
  private fingerprint: string | undefined;
  private inflight: Promise<void> | null = null;
  /** Polls completed when the current load was sent: later polls keep this content current. */
  private basePoll = 0;
  /** Latest start of a poll, during the current load, that saw no change here. */
  private confirmedAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** Returns the content's fingerprint, and how to make the data (called only when it changed). */
    private readonly load: () => Promise<{ fingerprint: string; data: () => T }>,
    private readonly timing: CacheTiming,
    private readonly feed?: Pick<ChangeFeed<unknown>, 'completed' | 'use' | 'next'>,
  ) {}

  /** The current content, or undefined before the first load. */
  get current(): T | undefined {
    return this.value;
  }

  /** The current content; only valid after `fresh()` or `refresh()` resolved. */
  get data(): T {
    if (this.value === undefined) throw new Error('source read before it was loaded');
    return this.value;
  }

  /** Reloads now (or joins the reload under way). */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const started = this.timing.now();
    this.basePoll = this.feed?.completed ?? 0;
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.dirty = false;
    this.inflight = this.load()
      .then(({ data, fingerprint }) => {
        if (fingerprint !== this.fingerprint || this.value === undefined) {
          this.value = data();
          this.fingerprint = fingerprint;
          this.version++;
        }
        this.loadedAt = Math.max(started, this.confirmedAt);
      })
      .catch((err: unknown) => {
        // The old content stays, and no poll may vouch for it: reload on the next use.
        this.dirty = true;
        throw err;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** A poll of the feed has completed; `changed` when it named a change in this source. */
  polled(seq: number, startedAt: number, changed: boolean): void {
    // A poll proves nothing about content loaded before the first poll, or while it was under way.
    if (this.basePoll < 1 || seq <= this.basePoll) return;
    // A changed source is no longer vouched for; it is reloaded once it is refreshAfterMs old, so
    // that the changes of half a second make one reload, and requests keep the current content
    // (known current as of loadedAt) until the new one is in.
    if (changed) this.dirty = true;
    else if (this.inflight) this.confirmedAt = Math.max(this.confirmedAt, startedAt);
    else if (!this.dirty) this.loadedAt = Math.max(this.loadedAt, startedAt);
  }

  fresh(): Promise<void> | undefined {
    const age = this.timing.now() - this.loadedAt;
    if (this.value === undefined || (this.dirty && age >= this.timing.ttlMs)) {
      return this.refresh();
    }
    if (this.dirty) {
      if (!this.inflight && age >= this.timing.refreshAfterMs) quietly(this.refresh());
      return undefined;
    }
    if (age < this.timing.refreshAfterMs) {
      this.feed?.use();
      return undefined;
    }
    const feed = this.basePoll >= 1 ? this.feed : undefined;
    if (age < this.timing.ttlMs) {
      if (feed) feed.use();
      else quietly(this.refresh());
      return undefined;
    }
    if (!feed) return this.refresh();
    // Wait for the next poll; reload when it found a change or could not vouch for this content.
    return feed
      .next()
      .then(() =>
        this.dirty || this.timing.now() - this.loadedAt >= this.timing.ttlMs ? this.refresh() : undefined,
      );
  }

  dependency(): Dependency {
    return { source: this, version: this.version };
  }
}

/** Background work: a failure is seen by the next request that has to wait for it. */
function quietly(p: Promise<void>) {
  p.catch(() => undefined);
}

/** Waits until every source is fresh (loading the stale ones at once, each by one query). */
export async function allFresh(sources: Iterable<Source>): Promise<void> {
  const list = [...sources];
  for (let round = 0; round < 3; round++) {
    const waits = list.map((s) => s.fresh()).filter((p): p is Promise<void> => p !== undefined);
    if (!waits.length) return;
    await Promise.all(waits);
  }
}

export interface CachedResponse {
  status: number;
  body: Buffer;
  /** Strong validator of the body bytes, quoted. */
  etag: string;
  /** The gzip representation, once a client asked for it. */
  gzip?: { body: Buffer; etag: string };
}

interface Entry extends CachedResponse {
  deps: Dependency[];
  bytes: number;
}

export interface Built {
  status?: number;
  /** The body, as a value to serialise or already serialised. */
  value?: unknown;
  json?: string;
  deps: Dependency[];
}

export interface ResponseCacheOptions {
  timing?: CacheTiming;
  /** Most responses kept; the oldest go first. */
  maxEntries?: number;
  /** Most body bytes kept. */
  maxBytes?: number;
}

export const etagOf = (body: Buffer) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

/** Serialised responses keyed by the normalised request; see the comment at the top of this file. */
export function responseCache(opts: ResponseCacheOptions = {}) {
  const timing = opts.timing ?? DEFAULT_TIMING;
  const maxEntries = opts.maxEntries ?? 20_000;
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const entries = new Map<string, Entry>();
  const building = new Map<string, Promise<CachedResponse>>();
  let bytes = 0;
  let hits = 0;
  let builds = 0;

  /** The entry when every source it was built from is unchanged and fresh. */
  function current(entry: Entry, now: number): boolean {
    let ageing = false;
    for (const d of entry.deps) {
      const source = d.source;
      if (source.version !== d.version) return false;
      const age = now - source.loadedAt;
      if (age >= timing.ttlMs) return false;
      if (age >= timing.refreshAfterMs) ageing = true;
    }
    if (ageing) for (const d of entry.deps) d.source.fresh()?.catch(() => undefined);
    return true;
  }

  function store(key: string, entry: Entry) {
    const old = entries.get(key);
    if (old) {
      bytes -= old.bytes;
      entries.delete(key);
    }
    entries.set(key, entry);
    bytes += entry.bytes;
    // Map order is insertion order and an entry is re-inserted whenever it is rebuilt, so the first
    // entries are the ones nobody asked for longest.
    for (const [k, e] of entries) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break;
      entries.delete(k);
      bytes -= e.bytes;
    }
  }

  async function revalidate(key: string, stale: Entry | undefined, build: () => Promise<Built>) {
    if (stale && stale.deps.every((d) => d.source.version === d.version)) {
      // Only time has passed, or a change was seen: bring the sources up to date; if their
      // content is the same, so is the body.
      await allFresh(stale.deps.map((d) => d.source));
      if (current(stale, timing.now())) return stale;
    }
    const built = await build();
    builds++;
    const body = Buffer.from(built.json ?? JSON.stringify(built.value));
    const entry: Entry = {
      status: built.status ?? 200,
      body,
      etag: etagOf(body),
      deps: built.deps,
      bytes: body.length + key.length,
    };
    store(key, entry);
    return entry;
  }

  return {
    /** A fresh response, or undefined (then call `fill`). Cheap: no I/O, no allocation on a hit. */
    peek(key: string): CachedResponse | undefined {
      const entry = entries.get(key);
      if (entry && current(entry, timing.now())) {
        hits++;
        return entry;
      }
      return undefined;
    },
    /** Builds (or re-checks) the response for `key`; concurrent callers share one build. */
    fill(key: string, build: () => Promise<Built>): Promise<CachedResponse> {
      const pending = building.get(key);
      if (pending) return pending;
      const p = revalidate(key, entries.get(key), build).finally(() => building.delete(key));
      building.set(key, p);
      return p;
    },
    stats: () => ({ entries: entries.size, bytes, hits, builds }),
  };
}

export type ResponseCache = ReturnType<typeof responseCache>;

const JSON_TYPE = 'application/json; charset=utf-8';
export const CACHE_CONTROL = 'public, max-age=1';
/** Smaller bodies are sent as they are: compressing them saves less than it costs. */
const GZIP_FROM_BYTES = 1024;

/** True when the request's If-None-Match names this ETag (weak comparison, as RFC 9110 asks). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  for (const part of ifNoneMatch.split(',')) {
    const tag = part.trim();
    if (tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** True when Accept-Encoding admits gzip (by name or `*`, with a q-value above 0). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * The gzip form of a response, made on the first request that accepts it and kept with the
 * response. It is another representation, so it has an ETag of its own.
 */
function gzipped(res: CachedResponse): { body: Buffer; etag: string } | undefined {
  if (res.status !== 200 || res.body.length < GZIP_FROM_BYTES) return undefined;
  res.gzip ??= { body: gzipSync(res.body, { level: 1 }), etag: `${res.etag.slice(0, -1)}-gz"` };
  return res.gzip;
}

function addVary(reply: FastifyReply, names: string) {
  const given = reply.getHeader('vary');
  void reply.header('vary', given ? `${String(given)}, ${names}` : names);
}

/**
 * Sends a cached response as it was serialised (gzip-compressed when the client accepts it), or
 * 304 when the client holds the same body. `vary` names the request headers the answer depends on.
 */
export function sendCached(
  req: FastifyRequest,
  reply: FastifyReply,
  res: CachedResponse,
  vary = 'Accept-Encoding',
): void {
  const gz = acceptsGzip(req.headers['accept-encoding']) ? gzipped(res) : undefined;
  const etag = gz ? gz.etag : res.etag;
  void reply.header('cache-control', CACHE_CONTROL).header('etag', etag);
  addVary(reply, vary);
  if (res.status === 200 && matches(req.headers['if-none-match'], etag)) {
    void reply.code(304).send();
    return;
  }
  void reply.code(res.status).header('content-type', JSON_TYPE);
  if (gz) void reply.header('content-encoding', 'gzip').send(gz.body);
  else void reply.send(res.body);
}

/**
 * Serves `key` from the cache, building it on a miss. Returns nothing on a hit (the reply is sent
 * synchronously) and a promise on a miss, which is how a Fastify handler may answer either way.
 */
export function serveCached(
  cache: ResponseCache,
  req: FastifyRequest,
  reply: FastifyReply,
  key: string,
  build: () => Promise<Built>,
  vary?: string,
): Promise<void> | undefined {
  const hit = cache.peek(key);
  if (hit) {
    sendCached(req, reply, hit, vary);
    return undefined;
  }
  return cache.fill(key, build).then((res) => sendCached(req, reply, res, vary));
}
