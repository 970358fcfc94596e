import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, scratchTmpdir, startMeshpact } from '../support/meshpact-process.js';
import { pactBroker } from '../support/pact-broker-cli.js';

describe('meshpact broker', () => {
  beforeAll(buildCli, 120_000);

  it('serves the broker with read-write and read-only tokens until Ctrl-C, then stops cleanly', async () => {
    const scratch = scratchTmpdir();
    const pacts = mkdtempSync(join(tmpdir(), 'meshpact-broker-cmd-'));
    writeFileSync(
      join(pacts, 'shop-catalog.json'),
      JSON.stringify({
        consumer: { name: 'shop' },
        provider: { name: 'catalog' },
        interactions: [
          {
            description: 'an item',
            request: { method: 'GET', path: '/items/1' },
            response: { status: 200 },
          },
        ],
        metadata: { pactSpecification: { version: '3.0.0' } },
      }),
    );
    const broker = startMeshpact(
      ['broker', '--port', '0', '--token', 'write-token', '--read-token', 'read-token'],
      { TMPDIR: scratch.path, LOG_LEVEL: 'warn' },
    );
    try {
      const [, url] = await broker.line(/^broker: (http:\/\/127\.0\.0\.1:\d+)$/);
      await broker.line(/^ready/);
      const publish = (token?: string) =>
        pactBroker([
          'publish',
          pacts,
          '--consumer-app-version',
          '1',
          '--branch',
          'main',
          '--broker-base-url',
          url!,
          ...(token ? ['--broker-token', token] : []),
        ]);

      expect((await publish()).status).not.toBe(0);
      expect((await publish('read-token')).status).not.toBe(0);
      expect((await publish('write-token')).status).toBe(0);

      // Without an Accept header the error goes as HAL, as the Pact Broker sends it.
      const anonymous = await fetch(`${url}/pacticipants/shop`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
      expect(await anonymous.json()).toMatchObject({ status: 401, code: 'unauthorized' });
      const asProblem = await fetch(`${url}/pacticipants/shop`, {
        headers: { accept: 'application/problem+json' },
      });
      expect(asProblem.status).toBe(401);
      expect(asProblem.headers.get('content-type')).toBe('application/problem+json;charset=utf-8');
      expect(await asProblem.json()).toMatchObject({ status: 401, code: 'unauthorized' });
      const reader = await fetch(`${url}/pacticipants/shop`, {
        headers: { authorization: 'Bearer read-token' },
      });
      expect(reader.status).toBe(200);
      const writing = await fetch(`${url}/pacticipants/shop`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer read-token' },
      });
      expect(writing.status).toBe(403);
      expect(await writing.json()).toMatchObject({ code: 'forbidden' });

      broker.child.kill('SIGINT');
      expect(await broker.exited()).toBe(0);
      expect(readdirSync(scratch.path)).toEqual([]);
    } finally {
      broker.child.kill('SIGKILL');
      scratch.remove();
      rmSync(pacts, { recursive: true, force: true });
    }
  }, 60_000);
});
