// The seed's claim: 1000 users, each with its own socket and its own agent
// run, all started at once. A client fleet in a process of its own opens one
// socket per user (subprotocol meshpact.v1 + bearer.<token>), sends every
// start_run together, and times each run from its start_run to its
// agent_completed; it counts the events it got against each run's last seq
// (lost), duplicates, and errors (error frames, sockets closed, runs not done).
// The mesh: auth-service in a process of its own (bench/support/seed-auth.ts)
// with its embedded Postgres, and backend-api in this one on the same
// Postgres, the runner at full speed (RUNNER_STEP_DELAY_MS=0). The baseline
// is a plain `ws` server in a process of its own answering each start_run
// with the frames of a real run (same JSON, same count) as fast as it can,
// so the ratio shows what the mesh costs. Rounds alternate meshpact and raw;
// the table gives medians over the rounds, with errors and lost summed.
//
// Users: each is a real account in a tenant of its own, logged in through
// POST /auth/login, so every socket has its own token, session and tenant as
// real users would. Registering hashes with scrypt at N=2^15 (21 users/s on
// 2 cores), and so does logging in; so the accounts are inserted through
// auth-service's store with one precomputed hash of N=2^10 (the parameters
// live in each hash, and verifyPassword honours them), and then logged in.
//
//   npm run bench -- seed-claims                     # 1000 users, 3 rounds
//   npm run bench -- seed-claims --users 200 --rounds 1 --only meshpact
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import * as authStore from '../providers/auth/store.js';
import { loadBackendConfig } from '../providers/backend/config.js';
import { start as startBackend, type RunningBackend } from '../providers/backend/server.js';
import { silentLogger } from '../src/runtime/logger.js';
import { finish, median, printTable, spread, type Ratio } from './support/report.js';
import type { SeedAuth } from './support/seed-auth.js';
import type { FleetClient, FleetOrder, FleetResult } from './support/seed-clients.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const USERS = Number(args.users);
const ROUNDS = Number(args.rounds);
const WARM_UP_USERS = Math.min(50, USERS);
/** agent_started, agent_thinking, tool_executing, tool_completed, agent_completed. */
const INPUT = 'What is 6*7? [calc 6*7]';
const PASSWORD = 'seed-claims password';
const RUN_TIMEOUT_MS = 60_000;
/** auth-service's default introspection client (providers/auth/testing.ts). */
const INTROSPECTION_SECRET = 'test-introspection-secret';
/**
 * Requests in flight at once while setting up users and threads: more, and
 * auth-service's introspections queue past backend-api's 2 s timeout.
 */
const SETUP_CONCURRENCY = 8;
/** Setting up is not measured: a request refused for a moment (auth-service busy: 503) is sent again. */
const SETUP_ATTEMPTS = 10;

const support = join(dirname(fileURLToPath(import.meta.url)), 'support');
const children = new Set<ChildProcess>();

function startChild(script: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(support, script)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) early`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/** Runs `task` over `items` with at most SETUP_CONCURRENCY in flight. */
async function inParallel<T, R>(items: T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: SETUP_CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

async function postJson(url: string, body: unknown, token?: string) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.ok) return answer;
    if (response.status !== 503 || attempt === SETUP_ATTEMPTS)
      throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(answer)}`);
    await sleep(1_000);
  }
}

/** USERS accounts, each in its own tenant, logged in, each with a thread of its own. */
async function setUpUsers(auth: SeedAuth, backendUrl: string): Promise<FleetClient[]> {
  const salt = randomBytes(16);
  const key = scryptSync(PASSWORD, salt, 32, { N: 2 ** 10, r: 8, p: 1 });
  const hash = [
    'scrypt',
    2 ** 10,
    8,
    1,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
  const emails = Array.from({ length: USERS }, (_, i) => `seed-${i}@bench.example`);
  const db = new pg.Client({ connectionString: auth.connectionString });
  await db.connect();
  try {
    await db.query('BEGIN');
    for (const email of emails) {
      await authStore.insertUser(db, {
        id: randomUUID(),
        tenant_id: randomUUID(),
        email,
        name: 'Seed',
        password_hash: hash,
        created_at: new Date(),
      });
    }
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
  return inParallel(emails, async (email) => {
    const session = await postJson(`${auth.url}/auth/login`, {
      email,
      password: PASSWORD,
    });
    const token = String(session.access_token);
    const thread = await postJson(`${backendUrl}/api/threads`, { title: email }, token);
    return { token, threadId: String(thread.id) };
  });
}

async function fleet(order: FleetOrder): Promise<FleetResult> {
  const child = startChild('seed-clients.ts');
  const answer = nextMessage<FleetResult>(child);
  child.send(order);
  return answer;
}

interface Round {
  eventsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  events: number;
  errors: number;
  lost: number;
  duplicates: number;
  errorSamples: string[];
}

async function round(url: string, clients: FleetClient[]): Promise<Round> {
  const result = await fleet({
    url,
    clients,
    input: INPUT,
    timeoutMs: RUN_TIMEOUT_MS,
    capture: false,
  });
  return {
    eventsPerSecond: Math.round(result.events / (result.elapsedMs / 1000)),
    ...spread(result.durations.map(Math.round)),
    events: result.events,
    errors: result.errors,
    lost: result.lost,
    duplicates: result.duplicates,
    errorSamples: result.errorSamples,
  };
}

function summary(rounds: Round[]) {
  const of = (pick: (r: Round) => number) => median(rounds.map(pick));
  const sum = (pick: (r: Round) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    eventsPerSecond: of((r) => r.eventsPerSecond),
    p50: of((r) => r.p50),
    p95: of((r) => r.p95),
    p99: of((r) => r.p99),
    max: of((r) => r.max),
    errors: sum((r) => r.errors),
    lost: sum((r) => r.lost),
    duplicates: sum((r) => r.duplicates),
  };
}

const started = Date.now();
const authProcess = startChild('seed-auth.ts');
let backend: RunningBackend | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    void (backend?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

try {
  const auth = await nextMessage<SeedAuth>(authProcess);
  backend = await startBackend(
    loadBackendConfig({
      AUTH_URL: auth.url,
      BACKEND_AUTH_CLIENT: `backend-api:${INTROSPECTION_SECRET}`,
      RUNNER_STEP_DELAY_MS: '0',
      LOG_LEVEL: 'silent',
    }),
    { connectionString: auth.connectionString, logger: silentLogger, responseCheck: 'throw' },
  );
  const mesh = backend;
  const clients = await setUpUsers(auth, mesh.url);
  console.log(
    `seed-claims: ${USERS} users logged in with a thread each (${Date.now() - started} ms)`,
  );

  // A warm-up through the mesh, which also gives the frames of one real run for the baseline.
  const warmUp = await fleet({
    url: mesh.wsUrl,
    clients: clients.slice(0, WARM_UP_USERS),
    input: INPUT,
    timeoutMs: RUN_TIMEOUT_MS,
    capture: true,
  });
  const template = warmUp.frames;
  if (warmUp.errors > 0 || template[0]?.type !== 'run_accepted')
    throw new Error(`warm-up failed: ${warmUp.errorSamples.join('; ')}`);
  const eventsPerRun = template.length - 1;

  const raw = startChild('raw-run-server.ts');
  const listening = nextMessage<{ port: number }>(raw);
  raw.send(template);
  const rawUrl = `ws://127.0.0.1:${(await listening).port}/ws`;

  const measured = { meshpact: [] as Round[], raw: [] as Round[] };
  for (let i = 1; i <= ROUNDS; i++) {
    for (const system of ['meshpact', 'raw'] as const) {
      if (args.only !== undefined && args.only !== system) continue;
      const result = await round(system === 'meshpact' ? mesh.wsUrl : rawUrl, clients);
      measured[system].push(result);
      console.log(
        `  round ${i} ${system}: ${result.eventsPerSecond} events/s, p50 ${result.p50} ms, ` +
          `p99 ${result.p99} ms, errors ${result.errors}, lost ${result.lost}` +
          (result.errorSamples.length > 0 ? ` (${result.errorSamples[0]})` : ''),
      );
    }
  }
  raw.kill('SIGTERM');

  const systems = (['meshpact', 'raw'] as const).filter((s) => measured[s].length > 0);
  const summaries = Object.fromEntries(systems.map((s) => [s, summary(measured[s])]));
  console.log(
    `\nseed-claims: ${USERS} users, one socket and one run each (${eventsPerRun} events), ` +
      `all started together; median of ${ROUNDS} rounds, errors/lost/dup summed`,
  );
  printTable(
    ['system', 'events/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'lost', 'dup'],
    systems.map((s) => {
      const r = summaries[s]!;
      return [s, r.eventsPerSecond, r.p50, r.p95, r.p99, r.max, r.errors, r.lost, r.duplicates];
    }),
  );
  const ratios: Ratio[] = [];
  const [ours, theirs] = [summaries.meshpact, summaries.raw];
  if (ours && theirs) {
    ratios.push(
      {
        name: `events/s @${USERS}`,
        meshpact: ours.eventsPerSecond,
        raw: theirs.eventsPerSecond,
        better: 'higher',
      },
      { name: `run p50 @${USERS}`, meshpact: ours.p50, raw: theirs.p50, better: 'lower' },
      { name: `run p99 @${USERS}`, meshpact: ours.p99, raw: theirs.p99, better: 'lower' },
    );
  }
  finish('seed-claims', ratios, {
    users: USERS,
    rounds: ROUNDS,
    eventsPerRun,
    input: INPUT,
    targets: { p99Ms: 500, eventsPerSecond: 3000 },
    summaries,
    measured,
    durationS: Math.round((Date.now() - started) / 1000),
  });
} finally {
  await backend?.close();
  // auth-service's process stops its Postgres before it exits.
  await Promise.all(
    [...children].map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}
