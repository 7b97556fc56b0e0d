import type { Request } from 'autocannon';
import { DEMO_PASSWORD } from '../src/seed/demo.ts';

export interface BenchContext {
  base: string;
  database: 'postgres' | 'pglite';
  seconds: number;
  connections: number;
  /** The server process (its children included), for CPU accounting. */
  serverPid?: number | undefined;
}

export interface Measured {
  ops: number;
  seconds: number;
  throughput: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  extra?: Record<string, unknown>;
}

export interface BenchPlan {
  requests: Request[];
  extra?: () => Promise<Record<string, unknown>>;
}

export interface Scenario {
  name: string;
  description: string;
  /** Server environment on top of the bench defaults. */
  serverEnv?: Record<string, string>;
  /** Start from an empty database (scenarios whose writes would collide with a previous run's). */
  freshDatabase?: boolean;
  /** Either a request plan that autocannon drives... */
  prepare?(ctx: BenchContext): Promise<BenchPlan>;
  /** ...or a driver of its own for multi-step flows, started before the server (it may add to its environment). */
  start?(): Promise<{
    env?: Record<string, string>;
    drive(ctx: BenchContext): Promise<Measured>;
    close(): Promise<void>;
  }>;
}

export async function staffToken(base: string, username = 'admin'): Promise<string> {
  const res = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`bench sign-in failed: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

import { registrationScenario } from './registration.ts';
import { bookingRushScenario } from './booking-rush.ts';
import { availabilityScenario } from './availability.ts';
import { autoscheduleScenario } from './autoschedule.ts';
import { doseRecordingScenario } from './dose-recording.ts';
import { syncScenario } from './sync.ts';
import { certificateIssueScenario } from './certificate-issue.ts';
import { verifyScenario } from './verify.ts';
import { reportsScenario } from './reports.ts';

export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    description: 'GET /health/live: the cost of the HTTP stack alone',
    async prepare() {
      return { requests: [{ method: 'GET', path: '/health/live' }] };
    },
  },
  {
    name: 'areas',
    description: 'Authenticated read of an area subtree (a division or district and its children)',
    async prepare(ctx) {
      const token = await staffToken(ctx.base);
      const headers = { authorization: `Bearer ${token}` };
      const res = await fetch(`${ctx.base}/api/areas?limit=100`, { headers });
      const divisions = (await res.json()) as { id: number }[];
      const districts: { id: number }[] = [];
      for (const d of divisions) {
        const r = await fetch(`${ctx.base}/api/areas?parentId=${d.id}`, { headers });
        districts.push(...((await r.json()) as { id: number }[]));
      }
      const ids = [...divisions, ...districts].map((a) => a.id);
      let i = 0;
      return {
        requests: [
          {
            method: 'GET',
            headers,
            setupRequest: (req) => ({ ...req, path: `/api/areas/${ids[i++ % ids.length]}/subtree?depth=1` }),
          },
        ],
        extra: async () => ({ areas_in_rotation: ids.length }),
      };
    },
  },
  registrationScenario,
  bookingRushScenario,
  availabilityScenario,
  autoscheduleScenario,
  doseRecordingScenario,
  syncScenario,
  certificateIssueScenario,
  verifyScenario,
  reportsScenario,
];
