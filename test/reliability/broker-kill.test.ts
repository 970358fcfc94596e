import pg from 'pg';
import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { buildCli } from '../support/meshpact-process.js';
import {
  all,
  holdLock,
  none,
  publication,
  publish,
  rowCounts,
  startBrokerProcess,
  stored,
  type BrokerProcess,
} from './publish-kill.js';

// `meshpact broker` is killed (SIGKILL) in the middle of a publication of
// several pacts, with the publish transaction stopped on a lock the test
// holds after it has written part of the publication (the soak test,
// broker-kill.soak.test.ts, also kills while the body arrives, and at random
// moments). Started again on the same
// database, the broker shows none of the publication (no table a publication
// writes to has a row more), and the same publication made again is stored
// whole: version, branch, tags and every pact.

const PROVIDERS = ['p-alpha', 'p-beta', 'p-gamma', 'p-delta', 'p-epsilon'];

describe('meshpact broker killed during a publication', () => {
  let postgres: PostgresHandle;
  let db: pg.Client;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    buildCli();
    postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
    broker = await startBrokerProcess(postgres.connectionString);
    db = new pg.Client({ connectionString: postgres.connectionString });
    await db.connect();
    // The last provider's pact as an earlier version published it: the case
    // "every pact but the last" waits on its row.
    const earlier = publication('shop', '0', PROVIDERS.slice(-1));
    expect(await publish(broker.url, earlier.body)).toEqual({ answered: 200 });
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await db?.end();
    await postgres?.stop();
  }, 60_000);

  /**
   * Publishes `version`, killing the broker once `lock` holds its transaction;
   * starts the broker again and checks.
   */
  async function killDuring(version: string, lock: string) {
    const p = publication('shop', version, PROVIDERS);
    const before = await rowCounts(db);
    const running = broker!;
    const held = await holdLock(postgres.connectionString, lock);
    try {
      const outcome = await publish(running.url, p.body, {
        at: 'all',
        run: async () => {
          await held.waitedOn();
          await running.kill();
        },
      });
      expect(outcome).toHaveProperty('cutOff');
    } finally {
      await held.release();
    }
    broker = undefined;
    broker = await startBrokerProcess(postgres.connectionString);

    expect(await stored(broker.url, p)).toEqual(none(p));
    expect(await rowCounts(db)).toEqual(before);

    expect(await publish(broker.url, p.body)).toEqual({ answered: 200 });
    expect(await stored(broker.url, p)).toEqual(all(p));
  }

  it.each([
    ['the version and its branch, before its tags', 'LOCK TABLE broker_tags IN EXCLUSIVE MODE'],
    [
      'every pact but the last',
      `SELECT 1 FROM broker_pact_versions v JOIN broker_pacticipants p ON p.id = v.provider_id
        WHERE p.name = '${PROVIDERS.at(-1)}' FOR UPDATE OF v`,
    ],
  ])('keeps nothing when killed with the transaction held after writing %s', async (what, lock) => {
    await killDuring(`after ${what}`.replaceAll(' ', '-').replaceAll(',', ''), lock);
  });
});
