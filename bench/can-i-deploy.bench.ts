// can-i-deploy latency at 1k, 10k and 100k versions (goal: p95 under 20 ms at
// 100k on a 2-core machine). Each size gets a fresh broker on its own Postgres,
// seeded with set-based SQL (the API would take minutes for 100k versions),
// then asked over HTTP, as the pact-broker CLI asks, for random versions in
// both directions and against an environment. The baseline is the same HTTP
// client asking the same broker for /healthz in the same run, so the ratio
// shows what can-i-deploy costs over a round trip.
//
//   npm run bench              # all sizes
//   npm run bench -- 1000      # one size
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startBrokerForTest } from '../src/broker/testing.js';

const CONSUMERS = 8;
const PROVIDERS = 4;
const ITERATIONS = 300;

async function seed(connectionString: string, versions: number): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const perPacticipant = Math.floor(versions / (CONSUMERS + PROVIDERS));
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO broker_pacticipants (name, main_branch, created_at, updated_at)
       SELECT 'consumer-' || i, 'main', now(), now() FROM generate_series(1, $1) i
       UNION ALL
       SELECT 'provider-' || i, 'main', now(), now() FROM generate_series(1, $2) i`,
      [CONSUMERS, PROVIDERS],
    );
    await client.query(
      `INSERT INTO broker_versions (pacticipant_id, number, created_at, updated_at)
       SELECT p.id, p.name || '-' || n, now(), now()
         FROM broker_pacticipants p, generate_series(1, $1) n ORDER BY n, p.id`,
      [perPacticipant],
    );
    await client.query(
      `INSERT INTO broker_branches (pacticipant_id, name, created_at)
       SELECT id, 'main', now() FROM broker_pacticipants`,
    );
    await client.query(
      `INSERT INTO broker_branch_versions (branch_id, version_id, pacticipant_id, position, created_at)
       SELECT b.id, v.id, v.pacticipant_id, v.position, now()
         FROM broker_versions v JOIN broker_branches b ON b.pacticipant_id = v.pacticipant_id`,
    );
    // Every 10th version is tagged prod.
    await client.query(
      `INSERT INTO broker_tags (version_id, name, pacticipant_id, version_position, created_at)
       SELECT id, 'prod', pacticipant_id, position, now() FROM broker_versions WHERE position % 10 = 0`,
    );
    // Each consumer has a pact with two providers; the content changes every 20 versions.
    await client.query(
      `INSERT INTO broker_pact_versions (consumer_id, provider_id, sha, content, created_at)
       SELECT c.id, pr.id, md5(c.name || pr.name || g), '{"interactions":[]}', now()
         FROM broker_pacticipants c
         JOIN broker_pacticipants pr ON pr.name LIKE 'provider-%'
              AND (substring(c.name from 10)::int % $2) IN (substring(pr.name from 10)::int - 1, substring(pr.name from 10)::int % $2)
         CROSS JOIN generate_series(0, $1 / 20) g
        WHERE c.name LIKE 'consumer-%'`,
      [perPacticipant, PROVIDERS],
    );
    // Who has a pact with whom, from the contents just made.
    await client.query(
      `INSERT INTO broker_integrations (consumer_id, provider_id, created_at)
       SELECT DISTINCT consumer_id, provider_id, now() FROM broker_pact_versions`,
    );
    // Joined through the integrations so each content is found by its unique index.
    await client.query(
      `INSERT INTO broker_pact_publications
         (consumer_version_id, provider_id, pact_version_id, consumer_id, consumer_version_position, created_at, updated_at)
       SELECT v.id, pv.provider_id, pv.id, v.pacticipant_id, v.position, now(), now()
         FROM broker_versions v
         JOIN broker_pacticipants c ON c.id = v.pacticipant_id
         JOIN broker_integrations i ON i.consumer_id = c.id
         JOIN broker_pacticipants pr ON pr.id = i.provider_id
         JOIN broker_pact_versions pv ON pv.consumer_id = c.id AND pv.provider_id = pr.id
              AND pv.sha = md5(c.name || pr.name || (substring(v.number from length(c.name) + 2)::int / 20))`,
    );
    // Each provider version verifies the content its consumers had at that point; 1 in 7 fails.
    await client.query(
      `INSERT INTO broker_verifications
         (pact_version_id, provider_version_id, consumer_id, provider_id, provider_version_position, success, created_at)
       SELECT pv.id, v.id, pv.consumer_id, pv.provider_id, v.position, (v.position % 7) <> 0, now()
         FROM broker_versions v
         JOIN broker_pacticipants pr ON pr.id = v.pacticipant_id
         JOIN broker_integrations i ON i.provider_id = pr.id
         JOIN broker_pacticipants c ON c.id = i.consumer_id
         JOIN broker_pact_versions pv ON pv.consumer_id = c.id AND pv.provider_id = pr.id
              AND pv.sha = md5(c.name || pr.name || (substring(v.number from length(pr.name) + 2)::int / 20))`,
    );
    await client.query(
      `INSERT INTO broker_environments (uuid, name, production, created_at, updated_at)
       VALUES ('env-production', 'production', true, now(), now())`,
    );
    // The newest prod-tagged version of everyone is deployed to production.
    await client.query(
      `INSERT INTO broker_deployed_versions (uuid, version_id, pacticipant_id, environment_id, created_at)
       SELECT 'd-' || t.pacticipant_id, t.version_id, t.pacticipant_id, e.id, now()
         FROM (SELECT DISTINCT ON (pacticipant_id) pacticipant_id, version_id FROM broker_tags
                WHERE name = 'prod' ORDER BY pacticipant_id, version_position DESC) t,
              broker_environments e`,
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(urls: () => string): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const url = urls();
    const start = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    times.push(performance.now() - start);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function run(versions: number): Promise<void> {
  const broker = await startBrokerForTest();
  try {
    const started = performance.now();
    await seed(broker.postgres.connectionString, versions);
    const counter = new pg.Client({ connectionString: broker.postgres.connectionString });
    await counter.connect();
    const { rows } = await counter.query<{ count: string }>('SELECT count(*) FROM broker_versions');
    await counter.end();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const per = Math.floor(versions / (CONSUMERS + PROVIDERS));
    const pick = (kind: 'consumer' | 'provider') => {
      const n =
        kind === 'consumer'
          ? 1 + Math.floor(Math.random() * CONSUMERS)
          : 1 + Math.floor(Math.random() * PROVIDERS);
      return {
        name: `${kind}-${n}`,
        version: `${kind}-${n}-${1 + Math.floor(Math.random() * per)}`,
      };
    };
    const ask = (kind: 'consumer' | 'provider', target: string) => () => {
      const { name, version } = pick(kind);
      return `${broker.url}/matrix?q[][pacticipant]=${name}&q[][version]=${encodeURIComponent(version)}&latestby=cvp&${target}`;
    };
    // Warm up the connection pool and plans, and make sure the answers have rows to decide on.
    await measure(ask('consumer', 'latest=true'));
    const sample = (await (await fetch(ask('consumer', 'latest=true')())).json()) as {
      summary: { deployable: boolean | null; success: number; failed: number };
      matrix: unknown[];
    };
    if (sample.matrix.length === 0) throw new Error('the seeded matrix has no rows');
    const baseline = await measure(() => `${broker.url}/healthz`);
    const cases = {
      'consumer, to latest': await measure(ask('consumer', 'latest=true')),
      'provider, to latest': await measure(ask('provider', 'latest=true')),
      'consumer, to production': await measure(ask('consumer', 'environment=production')),
      'provider, to tag prod': await measure(ask('provider', 'tag=prod')),
    };
    console.log(
      `\n${rows[0]!.count} versions (seeded in ${seconds} s), ${ITERATIONS} requests each; a sample answer has ${sample.matrix.length} rows, deployable ${String(sample.summary.deployable)}`,
    );
    console.log(
      `  baseline GET /healthz          p50 ${baseline.p50.toFixed(2)} ms  p95 ${baseline.p95.toFixed(2)} ms`,
    );
    for (const [name, { p50, p95 }] of Object.entries(cases))
      console.log(
        `  can-i-deploy ${name.padEnd(24)} p50 ${p50.toFixed(2)} ms  p95 ${p95.toFixed(2)} ms  (${(p95 / baseline.p95).toFixed(1)}x baseline p95)${p95 < 20 ? '' : '  over the 20 ms goal'}`,
      );
  } finally {
    await broker.close();
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
for (const size of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) await run(size);
