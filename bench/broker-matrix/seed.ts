import { connect } from './connect.js';

// The data broker-matrix asks about, written with set-based SQL (through the
// API, 100k versions would take minutes). 8 consumers and 4 providers share
// the versions; version n of each is `<name>-<n>`. Each consumer has a pact
// with two providers, its content changing every 20 versions; provider version
// n verifies the content its consumers had at n (1 in 7 fails). Versions are
// on main, except every tenth (n ending in 5), which is on one of four feature
// branches feat-0..feat-3; every tenth (n ending in 0) is tagged prod.
// Deployed: the newest prod version in production, version per-3 in staging;
// released in app-store: version per/2 (supported) and per/4 (support ended).

export const CONSUMERS = 8;
export const PROVIDERS = 4;
export const FEATURE_BRANCHES = 4;

/** Versions each pacticipant gets when `versions` are seeded in all. */
export const perPacticipant = (versions: number) => Math.floor(versions / (CONSUMERS + PROVIDERS));

/** Version n of a pacticipant, from its number `<kind>-<i>-<n>`. */
const n = (alias: string) => `split_part(${alias}.number, '-', 3)::int`;

export async function seed(connectionString: string, versions: number): Promise<void> {
  const client = await connect(connectionString);
  const per = perPacticipant(versions);
  const statements: [string, unknown[]?][] = [
    [
      `INSERT INTO broker_pacticipants (name, main_branch, created_at, updated_at)
       SELECT 'consumer-' || i, 'main', now(), now() FROM generate_series(1, $1) i
       UNION ALL
       SELECT 'provider-' || i, 'main', now(), now() FROM generate_series(1, $2) i`,
      [CONSUMERS, PROVIDERS],
    ],
    [
      `INSERT INTO broker_versions (pacticipant_id, number, created_at, updated_at)
       SELECT p.id, p.name || '-' || n, now(), now()
         FROM broker_pacticipants p, generate_series(1, $1) n ORDER BY n, p.id`,
      [per],
    ],
    [
      `INSERT INTO broker_branches (pacticipant_id, name, created_at)
       SELECT p.id, b.name, now() FROM broker_pacticipants p,
              (SELECT 'main' AS name UNION ALL SELECT 'feat-' || k FROM generate_series(0, $1 - 1) k) b`,
      [FEATURE_BRANCHES],
    ],
    [
      `INSERT INTO broker_branch_versions (branch_id, version_id, pacticipant_id, position, created_at)
       SELECT b.id, v.id, v.pacticipant_id, v.position, now()
         FROM broker_versions v
         JOIN broker_branches b ON b.pacticipant_id = v.pacticipant_id
              AND b.name = CASE WHEN ${n('v')} % 10 = 5 THEN 'feat-' || (${n('v')} / 10) % $1 ELSE 'main' END`,
      [FEATURE_BRANCHES],
    ],
    [
      `INSERT INTO broker_tags (version_id, name, pacticipant_id, version_position, created_at)
       SELECT id, 'prod', pacticipant_id, position, now() FROM broker_versions v WHERE ${n('v')} % 10 = 0`,
    ],
    [
      `INSERT INTO broker_pact_versions (consumer_id, provider_id, sha, content, created_at)
       SELECT c.id, pr.id, md5(c.name || pr.name || g), '{"interactions":[]}', now()
         FROM broker_pacticipants c
         JOIN broker_pacticipants pr ON pr.name LIKE 'provider-%'
              AND (substring(c.name from 10)::int % $2) IN (substring(pr.name from 10)::int - 1, substring(pr.name from 10)::int % $2)
         CROSS JOIN generate_series(0, $1 / 20) g
        WHERE c.name LIKE 'consumer-%'`,
      [per, PROVIDERS],
    ],
    [
      `INSERT INTO broker_integrations (consumer_id, provider_id, created_at)
       SELECT DISTINCT consumer_id, provider_id, now() FROM broker_pact_versions`,
    ],
    // The planner has to know how many versions and contents there now are, or
    // it joins them below with nested loops (a minute at 100k versions).
    ['ANALYZE'],
    // Joined through the integrations so each content is found by its unique index.
    [
      `INSERT INTO broker_pact_publications
         (consumer_version_id, provider_id, pact_version_id, consumer_id, consumer_version_position, created_at, updated_at)
       SELECT v.id, pv.provider_id, pv.id, v.pacticipant_id, v.position, now(), now()
         FROM broker_versions v
         JOIN broker_pacticipants c ON c.id = v.pacticipant_id
         JOIN broker_integrations i ON i.consumer_id = c.id
         JOIN broker_pacticipants pr ON pr.id = i.provider_id
         JOIN broker_pact_versions pv ON pv.consumer_id = c.id AND pv.provider_id = pr.id
              AND pv.sha = md5(c.name || pr.name || (${n('v')} / 20))`,
    ],
    [
      `INSERT INTO broker_verifications
         (pact_version_id, provider_version_id, consumer_id, provider_id, provider_version_position, success, created_at)
       SELECT pv.id, v.id, pv.consumer_id, pv.provider_id, v.position, (v.position % 7) <> 0, now()
         FROM broker_versions v
         JOIN broker_pacticipants pr ON pr.id = v.pacticipant_id
         JOIN broker_integrations i ON i.provider_id = pr.id
         JOIN broker_pacticipants c ON c.id = i.consumer_id
         JOIN broker_pact_versions pv ON pv.consumer_id = c.id AND pv.provider_id = pr.id
              AND pv.sha = md5(c.name || pr.name || (${n('v')} / 20))`,
    ],
    [
      `INSERT INTO broker_environments (uuid, name, production, created_at, updated_at) VALUES
         ('env-production', 'production', true, now(), now()),
         ('env-staging', 'staging', false, now(), now()),
         ('env-app-store', 'app-store', true, now(), now())`,
    ],
    [
      `INSERT INTO broker_deployed_versions (uuid, version_id, pacticipant_id, environment_id, created_at)
       SELECT 'd-' || e.name || '-' || v.pacticipant_id, v.id, v.pacticipant_id, e.id, now()
         FROM broker_versions v JOIN broker_environments e
              ON (e.name = 'production' AND ${n('v')} = $1 / 10 * 10) OR (e.name = 'staging' AND ${n('v')} = $1 - 3)`,
      [per],
    ],
    [
      `INSERT INTO broker_released_versions (uuid, version_id, pacticipant_id, environment_id, created_at, support_ended_at)
       SELECT 'r-' || v.id, v.id, v.pacticipant_id, e.id, now(), CASE WHEN ${n('v')} = $1 / 4 THEN now() END
         FROM broker_versions v JOIN broker_environments e ON e.name = 'app-store'
        WHERE ${n('v')} IN ($1 / 2, $1 / 4)`,
      [per],
    ],
  ];
  try {
    await client.query('BEGIN');
    for (const [text, values] of statements) await client.query(text, values);
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
