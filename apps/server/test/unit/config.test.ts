import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, configurationMarkdown, loadConfig } from '../../src/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('configuration', () => {
  it('refuses to start in production without the secrets, naming each', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ DOSEWISE_MODE: 'production', DOSEWISE_TOKEN_SECRET: 'x'.repeat(40) })).toThrow(
      /DOSEWISE_DATA_KEY, DOSEWISE_INDEX_KEY/,
    );
  });

  it('names a bad value', () => {
    expect(() =>
      loadConfig({
        DOSEWISE_MODE: 'demo',
        PORT: 'eighty',
        DOSEWISE_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'cfg-')),
      }),
    ).toThrow(/PORT/);
    expect(() =>
      loadConfig({
        DOSEWISE_MODE: 'production',
        DOSEWISE_TOKEN_SECRET: 'x'.repeat(40),
        DOSEWISE_DATA_KEY: 'not-hex',
        DOSEWISE_INDEX_KEY: 'a'.repeat(64),
      }),
    ).toThrow(/DOSEWISE_DATA_KEY/);
  });

  it('generates keys once in demo mode and reuses them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const a = loadConfig({ DOSEWISE_MODE: 'demo', DOSEWISE_DATA_DIR: dir });
    const b = loadConfig({ DOSEWISE_MODE: 'demo', DOSEWISE_DATA_DIR: dir });
    expect(a.DOSEWISE_DATA_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(b.DOSEWISE_DATA_KEY).toBe(a.DOSEWISE_DATA_KEY);
    expect(b.DOSEWISE_TOKEN_SECRET).toBe(a.DOSEWISE_TOKEN_SECRET);
  });

  it('honours PORT and DOSEWISE_DATA_DIR', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const c = loadConfig({ DOSEWISE_MODE: 'demo', PORT: '4321', DOSEWISE_DATA_DIR: dir });
    expect(c.PORT).toBe(4321);
    expect(c.DOSEWISE_DATA_DIR).toBe(dir);
    expect(c.PUBLIC_URL).toBe('http://localhost:4321');
  });

  it('is documented in docs/configuration.md exactly as the schema says', () => {
    expect(readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8')).toBe(configurationMarkdown());
  });
});
