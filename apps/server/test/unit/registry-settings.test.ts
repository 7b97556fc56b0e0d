import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, registrySettingsFromConfig, type RegistryConfig } from '../../src/registry/index.ts';

/** From configuration variables to the credentials a registry receives. */

const seen: IncomingHttpHeaders[] = [];
const registry = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"result":"not_found"}');
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
afterAll(async () => {
  registry.closeAllConnections();
  await new Promise((resolve) => registry.close(resolve));
});

async function headersSentWith(config: RegistryConfig): Promise<IncomingHttpHeaders> {
  const client = createRegistry(registrySettingsFromConfig({ NID_REGISTRY_URL: url, ...config }));
  try {
    expect(await client.verify('nid', '1234567890', '1990-01-01')).toEqual({ status: 'not_found' });
    return seen.at(-1)!;
  } finally {
    client.close();
  }
}

describe('registry settings from the configuration', () => {
  it('sends the API key in the configured header', async () => {
    const headers = await headersSentWith({
      NID_REGISTRY_API_KEY: 's3cret',
      NID_REGISTRY_API_KEY_HEADER: 'X-Registry-Key',
    });
    expect(headers['x-registry-key']).toBe('s3cret');
    expect(headers.authorization).toBeUndefined();
  });

  it('sends basic credentials when there is no API key', async () => {
    const headers = await headersSentWith({
      NID_REGISTRY_USERNAME: 'dosewise',
      NID_REGISTRY_PASSWORD: 'pw:with colon',
    });
    expect(headers.authorization).toBe(`Basic ${Buffer.from('dosewise:pw:with colon').toString('base64')}`);
  });

  it('needs a registry URL unless a simulator URL is given', () => {
    expect(() => registrySettingsFromConfig({})).toThrow(/NID_REGISTRY_URL/);
    expect(registrySettingsFromConfig({}, { baseUrl: 'http://127.0.0.1:4010' }).baseUrl).toBe(
      'http://127.0.0.1:4010',
    );
  });
});
