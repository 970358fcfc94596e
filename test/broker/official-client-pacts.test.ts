/**
 * meshpact's broker verified, with the pact-js Verifier, against the pacts
 * that official Pact clients publish of the Pact Broker API: every
 * interaction, each on a fresh broker (a new database) with its provider
 * state built through the public API only. See client-pacts/SOURCE.md for
 * where each pact comes from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Verifier } from '@pact-foundation/pact';
import { keepEmptyJsonBodies } from '../../src/verify/empty-json-body.js';
import { parseVerifierJson } from '../../src/verify/results.js';
import pg from 'pg';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { start, type RunningBroker } from '../../src/broker/server.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { PublicBrokerApi } from './client-pacts/broker-api.js';
import { queryOrders, startReplayProxy, type ReplayProxy } from './client-pacts/replay-proxy.js';
import { providerStates, type IdMap } from './client-pacts/states.js';

const pactDir = join(import.meta.dirname, 'client-pacts');
const pactFiles = ['Pact Broker Client V2-Pact Broker.json', 'pact_broker_client-pact_broker.json'];
const pacts = pactFiles.map(
  (file) => JSON.parse(readFileSync(join(pactDir, file), 'utf8')) as { interactions: unknown[] },
);

let postgres: PostgresHandle;
let admin: pg.Client;
let proxy: ReplayProxy;
let template: string;
let broker: { running: RunningBroker; database: string } | undefined;
let ids: IdMap = new Map();
let serial = 0;

const databaseUrl = (name: string) => {
  const url = new URL(postgres.connectionString);
  url.pathname = `/${name}`;
  return url.toString();
};

/** A broker on a database copied from the migrated template: as fresh as a new install, in milliseconds. */
async function freshBroker(): Promise<void> {
  await dropBroker();
  const database = `client_pacts_${process.pid}_${++serial}`;
  await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
  const running = await start(
    loadBrokerConfig({
      BROKER_PORT: '0',
      LOG_LEVEL: 'silent',
      // The base URL the Pact Broker is verified with (spec/service_consumers/pact_helper.rb):
      // the pacts expect links under it.
      PACT_BROKER_BASE_URL: 'http://example.org',
    }),
    { connectionString: databaseUrl(database), logger: silentLogger },
  );
  broker = { running, database };
  ids = new Map();
  proxy.target(running.url, ids);
}

async function dropBroker(): Promise<void> {
  if (!broker) return;
  const { running, database } = broker;
  broker = undefined;
  await running.close();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

beforeAll(async () => {
  postgres = await startPostgres({ databaseUrl: process.env.DATABASE_URL, scratchDatabase: true });
  admin = new pg.Client({ connectionString: postgres.connectionString });
  await admin.connect();
  template = `client_pacts_${process.pid}_template`;
  await admin.query(`CREATE DATABASE "${template}"`);
  // Migrating through a broker start leaves the template with the broker's tables and no rows.
  const migrating = await start(loadBrokerConfig({ BROKER_PORT: '0', LOG_LEVEL: 'silent' }), {
    connectionString: databaseUrl(template),
    logger: silentLogger,
  });
  await migrating.close();
  proxy = await startReplayProxy(queryOrders(pacts));
}, 60_000);

afterAll(async () => {
  await dropBroker();
  await proxy?.close();
  if (template) await admin?.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin?.end();
  await postgres?.stop();
});

const stateHandlers = Object.fromEntries(
  Object.entries(providerStates).map(([name, build]) => [
    name,
    async () => {
      if (!broker) throw new Error('no broker for the state');
      await build(new PublicBrokerApi(broker.running.url), ids);
    },
  ]),
);

/** Each interaction's result, with the verifier's mismatches for those that failed. */
async function verify(file: string) {
  let json: string;
  try {
    json = String(
      await new Verifier({
        provider: 'Pact Broker',
        providerBaseUrl: proxy.url,
        pactUrls: [join(pactDir, file)],
        stateHandlers,
        beforeEach: freshBroker,
        requestFilter: keepEmptyJsonBodies,
        logLevel: 'error',
      }).verifyProvider(),
    );
  } catch (error) {
    json = (error as Error).message;
    if (!json.startsWith('{')) throw error;
  }
  return parseVerifierJson('Pact Broker', json, []).interactions;
}

describe.each(pactFiles.map((file, i) => [file, pacts[i]!] as const))(
  'the official client pact %s',
  (file, pact) => {
    it('passes every interaction against meshpact broker', async () => {
      const brokersBefore = serial;
      const results = await verify(file);
      expect(results.filter((result) => !result.success)).toEqual([]);
      expect(results).toHaveLength(pact.interactions.length);
      // One fresh broker per interaction, those without a provider state included.
      expect(serial - brokersBefore).toBe(pact.interactions.length);
    }, 300_000);
  },
);
