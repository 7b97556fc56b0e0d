import { defineConfig } from 'vitest/config';

/**
 * Three tiers: `unit` (pure code, no I/O), `db` (API and repositories against a real database:
 * PGlite by default, a PostgreSQL server when TEST_DATABASE_URL is set) and `browser` (the real
 * server and Chromium). `npm test` runs the first two; `npm run test:browser` the third.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/test/**/*.test.ts', 'apps/server/test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'db',
          sequence: { groupOrder: 1 },
          include: ['apps/server/test/db/**/*.test.ts'],
          globalSetup: ['apps/server/test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // PGlite clones are ~100 MB of WASM heap each: two files at a time fit two cores well.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 2 },
          include: ['apps/server/test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
