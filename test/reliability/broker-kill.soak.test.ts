import pg from 'pg';
import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { buildCli } from '../support/meshpact-process.js';
import {
  all,
  none,
  publication,
  publish,
  rowCounts,
  startBrokerProcess,
  stored,
  type BrokerProcess,
  type Outcome,
} from './publish-kill.js';
import { soakSetting } from './soak-settings.js';

// `npm run test:soak`: MESHPACT_SOAK_KILLS times (20), `meshpact broker` is
// SIGKILLed at a random moment of a large publication (eight pacts of 200
// interactions): while the body arrives, or a random time after it was sent,
// up to a little longer than a whole publication takes. Started again, the
// broker shows all of it or none of it (and then no table has a row more);
// one that was answered 200 is all there.

const KILLS = soakSetting('MESHPACT_SOAK_KILLS', 20, { max: 500 });
const PROVIDERS = Array.from({ length: 8 }, (_, i) => `provider-${i}`);
const INTERACTIONS = 200;

describe(`meshpact broker killed at ${KILLS} random moments of a publication`, () => {
  let postgres: PostgresHandle;
  let db: pg.Client;
  let broker: BrokerProcess | undefined;
  /** How long one whole publication took, uncut: the range of the random kill moments. */
  let publishMs = 0;

  beforeAll(async () => {
    buildCli();
    postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
    broker = await startBrokerProcess(postgres.connectionString);
    db = new pg.Client({ connectionString: postgres.connectionString });
    await db.connect();
    const started = Date.now();
    const warmUp = publication('shop', 'warm-up', PROVIDERS, INTERACTIONS);
    expect(await publish(broker.url, warmUp.body)).toEqual({ answered: 200 });
    publishMs = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await db?.end();
    await postgres?.stop();
  }, 60_000);

  it('shows all or nothing of each publication once started again', async () => {
    const tally = { all: 0, none: 0, answeredBeforeKill: 0 };
    for (let i = 0; i < KILLS; i++) {
      const p = publication('shop', `kill-${i}`, PROVIDERS, INTERACTIONS);
      const before = await rowCounts(db);
      const running = broker!;
      const duringBody = i % 4 === 0;
      const delay = Math.random() * publishMs * 1.2;
      const outcome: Outcome = await publish(running.url, p.body, {
        at: duringBody ? 'half' : 'all',
        run: async () => {
          if (!duringBody) await new Promise((resolve) => setTimeout(resolve, delay));
          await running.kill();
        },
      });
      broker = undefined;
      broker = await startBrokerProcess(postgres.connectionString);

      const shown = await stored(broker.url, p);
      if ('answered' in outcome) {
        tally.answeredBeforeKill += 1;
        expect(outcome.answered).toBe(200);
        expect(shown).toEqual(all(p, INTERACTIONS));
      } else {
        expect([all(p, INTERACTIONS), none(p)]).toContainEqual(shown);
      }
      if (shown.version === 404) {
        tally.none += 1;
        expect(await rowCounts(db)).toEqual(before);
      } else tally.all += 1;
    }
    console.log(
      `broker kill soak: ${KILLS} kills, ${tally.all} all (${tally.answeredBeforeKill} answered before the kill), ${tally.none} none`,
    );
    expect(tally.all + tally.none).toBe(KILLS);
  }, 1_800_000);
});
