import { request } from 'node:http';
import pg from 'pg';
import { startMeshpact, type LongRunning } from '../support/meshpact-process.js';
import { pactFile } from '../support/pacts.js';

// For the broker kill tests: `meshpact broker` as a real process on a
// Postgres the test owns, a publication of several pacts, ways to kill the
// broker at a chosen moment of it, and the all-or-nothing check.

/** Every table a publication writes to; "nothing" means none of them changed. */
const TABLES = [
  'broker_pacticipants',
  'broker_versions',
  'broker_branches',
  'broker_branch_versions',
  'broker_tags',
  'broker_pact_versions',
  'broker_pact_publications',
  'broker_integrations',
  'broker_triggered_webhooks',
];

export interface BrokerProcess {
  readonly url: string;
  readonly process: LongRunning;
  /** SIGKILL, and waits until the process is gone. */
  kill(): Promise<void>;
  /** SIGINT (a clean stop); SIGKILL if it has not stopped after 20 s. */
  stop(): Promise<void>;
}

/** `meshpact broker` on `databaseUrl`, on a free port, once it says it is ready. */
export async function startBrokerProcess(databaseUrl: string): Promise<BrokerProcess> {
  const broker = startMeshpact(['broker', '--port', '0'], {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    PACT_BROKER_BASE_URL: '',
    PACT_BROKER_TOKEN: '',
  });
  const gone = async (signal: NodeJS.Signals) => {
    if (broker.child.exitCode !== null || broker.child.signalCode !== null) return;
    const exited = broker.exited();
    broker.child.kill(signal);
    const guard = setTimeout(() => broker.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(guard);
  };
  try {
    const [, url] = await broker.line(/^broker: (http:\/\/127\.0\.0\.1:\d+)$/);
    await broker.line(/^ready/);
    return { url: url!, process: broker, kill: () => gone('SIGKILL'), stop: () => gone('SIGINT') };
  } catch (error) {
    await gone('SIGKILL');
    throw error;
  }
}

export interface Publication {
  consumer: string;
  version: string;
  branch: string;
  tags: string[];
  providers: string[];
  /** The POST /contracts/publish body. */
  body: string;
}

/** A publication of `providers` pacts of `interactions` interactions each, with a branch and two tags. */
export function publication(
  consumer: string,
  version: string,
  providers: string[],
  interactions = 20,
): Publication {
  const descriptions = Array.from({ length: interactions }, (_, i) => `item ${i}`);
  const tags = [`tag-${version}`, 'prod'];
  const branch = `branch-${version}`;
  return {
    consumer,
    version,
    branch,
    tags,
    providers,
    body: JSON.stringify({
      pacticipantName: consumer,
      pacticipantVersionNumber: version,
      branch,
      tags,
      contracts: providers.map((provider) => ({
        consumerName: consumer,
        providerName: provider,
        specification: 'pact',
        contentType: 'application/json',
        content: Buffer.from(JSON.stringify(pactFile(consumer, provider, descriptions))).toString(
          'base64',
        ),
      })),
    }),
  };
}

export type Outcome = { answered: number } | { cutOff: string };

/**
 * Sends the publication. With `then`, the body goes out up to `at` (half of
 * it, or all of it) and `then` runs (it may kill the broker) before the rest
 * is sent. Resolves with the broker's status, or how the exchange was cut off.
 */
export function publish(
  brokerUrl: string,
  body: string,
  then?: { at: 'half' | 'all'; run: () => Promise<void> },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const bytes = Buffer.from(body);
    const outgoing = request(`${brokerUrl}/contracts/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) },
      agent: false,
    });
    outgoing.on('error', (error) => resolve({ cutOff: error.message }));
    outgoing.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ answered: response.statusCode ?? 0 }));
      response.on('error', (error) => resolve({ cutOff: error.message }));
    });
    if (!then) {
      outgoing.end(bytes);
      return;
    }
    const sent = then.at === 'half' ? Math.floor(bytes.length / 2) : bytes.length;
    const next = () =>
      void then.run().then(() => {
        if (sent < bytes.length && !outgoing.destroyed) outgoing.end(bytes.subarray(sent));
      });
    if (sent < bytes.length) outgoing.write(bytes.subarray(0, sent), next);
    else outgoing.end(bytes, next);
  });
}

/** Row counts of every table a publication writes to. */
export async function rowCounts(db: pg.Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/** What the broker shows of a publication: the version with its branch and tags, and each pact. */
export async function stored(brokerUrl: string, p: Publication) {
  const version = await fetch(`${brokerUrl}/pacticipants/${p.consumer}/versions/${p.version}`);
  const body =
    version.status === 200
      ? ((await version.json()) as {
          _embedded: { branchVersions: { name: string }[]; tags: { name: string }[] };
        })
      : undefined;
  const pacts = await Promise.all(
    p.providers.map(async (provider) => {
      const pact = await fetch(
        `${brokerUrl}/pacts/provider/${provider}/consumer/${p.consumer}/version/${p.version}`,
      );
      if (pact.status !== 200) return pact.status;
      const content = (await pact.json()) as { interactions: unknown[] };
      return content.interactions.length;
    }),
  );
  return {
    version: version.status,
    branches: body?._embedded.branchVersions.map((b) => b.name) ?? [],
    tags: body?._embedded.tags.map((t) => t.name).sort() ?? [],
    pacts,
  };
}

/** What `stored` shows of a publication that is all there. */
export const all = (p: Publication, interactions = 20) => ({
  version: 200,
  branches: [p.branch],
  tags: [...p.tags].sort(),
  pacts: p.providers.map(() => interactions),
});

/** What `stored` shows of a publication of which nothing is there. */
export const none = (p: Publication) => ({
  version: 404,
  branches: [],
  tags: [],
  pacts: p.providers.map(() => 404),
});

/**
 * Holds `lock` (SQL run in a transaction of the test's own) until released,
 * and tells when the broker's publish transaction waits on it: then the
 * transaction has written what comes before, and will write nothing more.
 */
export async function holdLock(databaseUrl: string, lock: string) {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(lock);
  const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  return {
    /** Resolves once another session waits on the lock. */
    async waitedOn(): Promise<void> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`nothing waited on the lock (${lock})`);
        const { rows: blocked } = await holder.query(
          'SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [pid],
        );
        if (blocked.length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async release(): Promise<void> {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    },
  };
}
