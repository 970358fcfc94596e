// broker-matrix: the broker's answers at 1k, 10k and 100k versions against one
// hand-written SQL statement for the same answer on the same data.
//
// Each size gets a scratch database on one embedded Postgres, seeded with
// set-based SQL (broker-matrix/seed.ts), and the broker in a process of its
// own on it. Asked over HTTP with fetch, as the pact-broker CLI and the
// Verifier ask: can-i-deploy a consumer or a provider version to production,
// and the pacts for verification of a provider build on a feature branch
// (selectors mainBranch, deployedOrReleased, matchingBranch, with pending
// status). Each request is followed by its raw query (broker-matrix/raw.ts)
// through a pg client of this process, and a sample of answers is compared
// first, so the baseline answers the same question. Then publish throughput:
// POST /contracts/publish of a new consumer version with two pacts of 10-40
// interactions, against the raw INSERT of the same rows, 4 at a time, median
// of 3 rounds.
//
//   npm run bench -- broker-matrix               # 1k, 10k and 100k versions
//   npm run bench -- broker-matrix 1000 10000    # some sizes
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { startPostgres, type PostgresHandle } from '../src/runtime/postgres.js';
import { connect } from './broker-matrix/connect.js';
import { realisticPact } from './broker-matrix/pacts.js';
import {
  rawCanIDeploy,
  rawPactsForVerification,
  rawPublish,
  type DeployAnswer,
  type PublicationRows,
  type VerifiablePact,
} from './broker-matrix/raw.js';
import {
  CONSUMERS,
  FEATURE_BRANCHES,
  PROVIDERS,
  perPacticipant,
  seed,
} from './broker-matrix/seed.js';
import { startChild } from './support/child.js';
import { finish, median, printTable, spread, type Ratio } from './support/report.js';

const ITERATIONS = 200;
const CHECKED = 20;
const PUBLICATIONS_PER_ROUND = 40;
const ROUNDS = 3;
const PUBLISHERS = 4;

const here = dirname(fileURLToPath(import.meta.url));

/** A small seeded generator, so every run asks the same questions. */
function random(seedValue: number): () => number {
  let state = seedValue;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Broker {
  url: string;
  stop(): Promise<void>;
}

async function startBroker(connectionString: string): Promise<Broker> {
  const child = startChild(join(here, 'support', 'broker-process.ts'));
  try {
    const { url } = await child.call<{ url: string }>('listen', { connectionString });
    return { url, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

const providersOf = (consumer: number) => {
  const k = consumer % PROVIDERS;
  return [...new Set([k + 1, k === 0 ? PROVIDERS : k])].map((p) => `provider-${p}`);
};

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T;
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

interface MatrixBody {
  summary: { deployable: boolean | null };
  matrix: {
    consumer: { name: string; version: { number: string } };
    provider: { name: string; version: { number: string } | null };
    verificationResult: { success: boolean } | null;
  }[];
}

async function brokerCanIDeploy(
  url: string,
  q: { pacticipant: string; version: string; environment: string },
): Promise<DeployAnswer> {
  const body = await getJson<MatrixBody>(
    `${url}/matrix?q[][pacticipant]=${q.pacticipant}&q[][version]=${encodeURIComponent(q.version)}&latestby=cvp&environment=${q.environment}`,
  );
  return {
    deployable: body.summary.deployable,
    rows: body.matrix.map((row) => ({
      consumer: row.consumer.name,
      consumer_version: row.consumer.version.number,
      provider: row.provider.name,
      provider_version: row.provider.version?.number ?? null,
      success: row.verificationResult?.success ?? null,
    })),
  };
}

interface ForVerificationBody {
  _embedded: {
    pacts: {
      verificationProperties: { pending?: boolean };
      _links: { self: { href: string; name: string } };
    }[];
  };
}

async function brokerPactsForVerification(
  url: string,
  q: { provider: string; branch: string },
): Promise<VerifiablePact[]> {
  const body = await getJson<ForVerificationBody>(
    `${url}/pacts/provider/${q.provider}/for-verification`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        consumerVersionSelectors: [
          { mainBranch: true },
          { deployedOrReleased: true },
          { matchingBranch: true },
        ],
        providerVersionBranch: q.branch,
        includePendingStatus: true,
      }),
    },
  );
  return body._embedded.pacts.map((pact) => {
    const [, consumer, version] = /^Pact between (\S+) \((\S+)\)/.exec(pact._links.self.name)!;
    return {
      consumer: consumer!,
      consumer_version: version!,
      sha: /\/pact-version\/([0-9a-f]+)\//.exec(pact._links.self.href)![1]!,
      pending: pact.verificationProperties.pending ?? false,
    };
  });
}

/** Rows sorted by their JSON, so answers compare as sets. */
const sortedRows = (rows: object[]) => rows.map((row) => JSON.stringify(row)).sort();

interface Case<Q, A> {
  name: string;
  question: (next: () => number) => Q;
  broker: (url: string, q: Q) => Promise<A>;
  raw: (db: pg.ClientBase, q: Q) => Promise<A>;
  same: (a: A, b: A) => boolean;
  /** Makes sure the seeded answers have something to decide on. */
  rows: (a: A) => number;
}

function cases(versions: number) {
  const per = perPacticipant(versions);
  const version = (kind: 'consumer' | 'provider', next: () => number) => {
    const pacticipant = `${kind}-${1 + Math.floor(next() * (kind === 'consumer' ? CONSUMERS : PROVIDERS))}`;
    return { pacticipant, version: `${pacticipant}-${1 + Math.floor(next() * per)}` };
  };
  const sameDeploy = (a: DeployAnswer, b: DeployAnswer) =>
    a.deployable === b.deployable && isDeepStrictEqual(sortedRows(a.rows), sortedRows(b.rows));
  const canIDeploy = (
    kind: 'consumer' | 'provider',
  ): Case<{ pacticipant: string; version: string; environment: string }, DeployAnswer> => ({
    name: `can-i-deploy ${kind} to production`,
    question: (next) => ({ ...version(kind, next), environment: 'production' }),
    broker: brokerCanIDeploy,
    raw: rawCanIDeploy,
    same: sameDeploy,
    rows: (a) => a.rows.length,
  });
  const forVerification: Case<{ provider: string; branch: string }, VerifiablePact[]> = {
    name: 'pacts for verification',
    question: (next) => ({
      provider: `provider-${1 + Math.floor(next() * PROVIDERS)}`,
      branch: `feat-${Math.floor(next() * FEATURE_BRANCHES)}`,
    }),
    broker: brokerPactsForVerification,
    raw: rawPactsForVerification,
    same: (a, b) => isDeepStrictEqual(sortedRows(a), sortedRows(b)),
    rows: (a) => a.length,
  };
  return [bound(canIDeploy('consumer')), bound(canIDeploy('provider')), bound(forVerification)];
}

/** A case with its question and answer types closed over, so cases of several kinds make one list. */
const bound = <Q, A>(c: Case<Q, A>) => ({
  name: c.name,
  measure: (broker: Broker, db: pg.ClientBase, seedValue: number) =>
    measure(broker, db, c, seedValue),
});

/** Compares a sample of answers, then times each request followed by its raw query. */
async function measure<Q, A>(broker: Broker, db: pg.ClientBase, c: Case<Q, A>, seedValue: number) {
  const next = random(seedValue);
  let rows = 0;
  for (let i = 0; i < CHECKED; i++) {
    const q = c.question(next);
    const [ours, raw] = [await c.broker(broker.url, q), await c.raw(db, q)];
    if (!c.same(ours, raw))
      throw new Error(
        `${c.name}: the raw query answers ${JSON.stringify(q)} differently:\nbroker ${JSON.stringify(ours)}\nraw    ${JSON.stringify(raw)}`,
      );
    rows += c.rows(ours);
  }
  if (rows === 0) throw new Error(`${c.name}: the seeded data gives no rows`);
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const q = c.question(next);
    let started = performance.now();
    await c.broker(broker.url, q);
    ours.push(performance.now() - started);
    started = performance.now();
    await c.raw(db, q);
    raw.push(performance.now() - started);
  }
  return { meshpact: spread(ours), raw: spread(raw), rowsPerAnswer: rows / CHECKED };
}

function publication(size: number, who: 'broker' | 'raw', index: number): PublicationRows {
  const consumer = 1 + (index % CONSUMERS);
  return {
    consumer: `consumer-${consumer}`,
    version: `published-${who}-${index}`,
    branch: 'main',
    contracts: providersOf(consumer).map((provider) => ({
      provider,
      content: JSON.stringify(realisticPact(`consumer-${consumer}`, provider, size + index)),
    })),
  };
}

const publishBody = (p: PublicationRows) =>
  JSON.stringify({
    pacticipantName: p.consumer,
    pacticipantVersionNumber: p.version,
    branch: p.branch,
    contracts: p.contracts.map(({ provider, content }) => ({
      consumerName: p.consumer,
      providerName: provider,
      specification: 'pact',
      contentType: 'application/json',
      content: Buffer.from(content).toString('base64'),
    })),
  });

/** Publications per second with `PUBLISHERS` at a time, each taking the next of `work`. */
async function throughput<T>(work: T[], publishers: ((item: T) => Promise<void>)[]) {
  let taken = 0;
  const started = performance.now();
  await Promise.all(
    publishers.map(async (publish) => {
      while (taken < work.length) await publish(work[taken++]!);
    }),
  );
  return work.length / ((performance.now() - started) / 1000);
}

/** What a publication wrote: its branch and, per provider, the pact content (without the broker's `_id`s). */
async function written(db: pg.ClientBase, consumer: string, version: string) {
  const { rows } = await db.query<{ branch: string; provider: string; content: unknown }>(
    `SELECT b.name AS branch, pr.name AS provider, pv.content
       FROM broker_versions v
       JOIN broker_pacticipants c ON c.id = v.pacticipant_id
       JOIN broker_branch_versions bv ON bv.version_id = v.id
       JOIN broker_branches b ON b.id = bv.branch_id
       JOIN broker_pact_publications p ON p.consumer_version_id = v.id
       JOIN broker_pacticipants pr ON pr.id = p.provider_id
       JOIN broker_pact_versions pv ON pv.id = p.pact_version_id
      WHERE c.name = $1 AND v.number = $2 ORDER BY pr.name`,
    [consumer, version],
  );
  const withoutIds = (content: unknown) =>
    JSON.parse(JSON.stringify(content), (key, value: unknown) =>
      key === '_id' ? undefined : value,
    ) as unknown;
  return rows.map((row) => ({ ...row, content: withoutIds(row.content) }));
}

async function publishing(broker: Broker, databaseUrl: string, size: number) {
  const clients = await Promise.all(Array.from({ length: PUBLISHERS }, () => connect(databaseUrl)));
  try {
    const ours: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const indexes = Array.from(
        { length: PUBLICATIONS_PER_ROUND },
        (_, i) => round * PUBLICATIONS_PER_ROUND + i,
      );
      const bodies = indexes.map((i) => publishBody(publication(size, 'broker', i)));
      ours.push(
        await throughput(
          bodies,
          clients.map(() => async (body: string) => {
            const response = await fetch(`${broker.url}/contracts/publish`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            await response.arrayBuffer();
            if (response.status !== 200) throw new Error(`publish answered ${response.status}`);
          }),
        ),
      );
      const rows = indexes.map((i) => publication(size, 'raw', i));
      raw.push(
        await throughput(
          rows,
          clients.map((client) => (p: PublicationRows) => rawPublish(client, p)),
        ),
      );
    }
    const [first] = clients;
    const sample = publication(size, 'broker', 0);
    const [byBroker, byRaw] = [
      await written(first!, sample.consumer, sample.version),
      await written(first!, sample.consumer, publication(size, 'raw', 0).version),
    ];
    if (byBroker.length !== 2 || !isDeepStrictEqual(byBroker, byRaw))
      throw new Error('publish: the raw inserts wrote other rows than the broker');
    return { meshpact: median(ours), raw: median(raw), rounds: { meshpact: ours, raw } };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

const label = (versions: number) => `${versions / 1000}k`;

async function run(server: PostgresHandle, versions: number) {
  const database = await startPostgres({
    databaseUrl: server.connectionString,
    scratchDatabase: true,
  });
  const broker = await startBroker(database.connectionString).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  let db: pg.Client | undefined;
  try {
    let started = performance.now();
    await seed(database.connectionString, versions);
    const seeding = (performance.now() - started) / 1000;
    db = await connect(database.connectionString);
    started = performance.now();
    const latency = [];
    for (const [index, c] of cases(versions).entries())
      latency.push({ case: c.name, ...(await c.measure(broker, db, versions + index)) });
    const publish = await publishing(broker, database.connectionString, versions);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label(versions)} versions: seeded in ${seeding.toFixed(1)} s, measured in ${seconds.toFixed(1)} s`,
    );
    return { versions, seedingSeconds: seeding, latency, publish };
  } finally {
    await db?.end();
    await broker.stop();
    await database.stop();
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((size) => size > 0);
const server = await startPostgres({ databaseUrl: process.env.DATABASE_URL });
const stopOnSignal = (signal: NodeJS.Signals) => {
  void server.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
const results = [];
try {
  for (const versions of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000])
    results.push(await run(server, versions));
} finally {
  await server.stop();
}

console.log(
  `\nlatency in ms, ${ITERATIONS} requests each, each followed by its raw query (answers compared on ${CHECKED} first)`,
);
printTable(
  ['versions', 'question', 'rows', 'broker p50', 'p95', 'raw p50', 'p95', 'p50 ratio', 'p95 ratio'],
  results.flatMap((r) =>
    r.latency.map((l) => [
      label(r.versions),
      l.case,
      l.rowsPerAnswer,
      l.meshpact.p50,
      l.meshpact.p95,
      l.raw.p50,
      l.raw.p95,
      l.meshpact.p50 / l.raw.p50,
      l.meshpact.p95 / l.raw.p95,
    ]),
  ),
);
console.log(
  `\npublish: publications/s (2 pacts of 10-40 interactions each), ${PUBLISHERS} at a time, median of ${ROUNDS} rounds of ${PUBLICATIONS_PER_ROUND}`,
);
printTable(
  ['versions', 'broker /s', 'raw /s', 'ratio'],
  results.map((r) => [
    label(r.versions),
    r.publish.meshpact,
    r.publish.raw,
    r.publish.meshpact / r.publish.raw,
  ]),
);
const ratios: Ratio[] = results.flatMap((r) => [
  ...r.latency.map((l): Ratio => ({
    name: `${l.case} p95 @${label(r.versions)}`,
    meshpact: l.meshpact.p95,
    raw: l.raw.p95,
    better: 'lower',
  })),
  {
    name: `publish/s @${label(r.versions)}`,
    meshpact: r.publish.meshpact,
    raw: r.publish.raw,
    better: 'higher',
  },
]);
finish('broker-matrix', ratios, { results });
