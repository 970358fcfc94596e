// `meshpact run` cold to verdict, each phase's share, and its verify phase
// against a raw replay of the same traffic (issue 19; targets: verify within
// 2x of the replay, the whole run under 15 s).
//
// Each round runs `meshpact run --json` from the built tree as a user would
// (CI=true, a private TMPDIR, the pacts in a scratch folder) and reads the
// phases' durations from its report; then the raw replay, as a hand-written
// script would do it: one Postgres, the services the providers need started
// once with their states on (the same manifest entries), and every
// interaction of the pacts that run wrote replayed with plain fetch and ws as
// Pact's verifier would, provider by provider: each provider state POSTed to
// the state URL, the request (its ProviderState generators filled from what
// the states handed back) and its answer read, or the socket opened and its
// frames exchanged, then each state torn down. No matching: the replay only
// checks that each answer has the status the pact expects and each
// conversation its number of frames, so it does the same traffic and nothing
// more. Both run the services at the run's default LOG_LEVEL (warn).
// meshpact's verify workers start their services during the contracts
// phase, so its verify phase is held against the replay from its services
// up to their stop.
//
//   npm run bench -- verify-mesh            # 3 rounds, medians
//   npm run bench -- verify-mesh --rounds 1
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadMesh } from '../src/contracts/mesh.js';
import { readPactFiles } from '../src/contracts/pact-files.js';
import type { MeshReport } from '../src/report/model.js';
import { packageRoot } from '../src/runtime/paths.js';
import { startPostgres } from '../src/runtime/postgres.js';
import type { Generator } from '../src/verify/pact-documents.js';
import { startProviders, type ProvidersUnderVerification } from '../src/verify/services.js';
import { fillStateGenerators } from '../src/verify/state-generators.js';
import { finish, median, printTable } from './support/report.js';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '3' } },
});
const ROUNDS = Number(args.rounds);
// SIGINT or SIGTERM: the run in flight is stopped (it stops what it started),
// the replay closes its services, and the scratch folder goes.
const interrupted = new AbortController();
const interrupt = () => interrupted.abort(new Error('interrupted'));
process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
// What `meshpact run` gives its services unless told otherwise; the replay's inherit it.
process.env.LOG_LEVEL ??= 'warn';
const root = packageRoot();
const mesh = loadMesh(join(root, 'contracts/mesh.yaml'));

interface PactInteraction {
  type?: string;
  description?: string;
  providerStates?: { name: string; params?: Record<string, unknown> }[];
  request?: HttpRequest & MessageRequest;
  response?: { status?: number } & { contents?: Contents }[];
}
interface Contents {
  content?: unknown;
  encoded?: boolean | string;
}
interface HttpRequest {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string | string[]>;
  body?: Contents;
  generators?: {
    path?: Generator;
    header?: Record<string, Generator>;
    query?: Record<string, Generator>;
    body?: Record<string, Generator>;
  };
}
interface MessageRequest {
  contents?: Contents;
}

// ---- the run --------------------------------------------------------------

interface RunRound {
  totalMs: number;
  phases: Record<string, number>;
  interactions: number;
}

/** One cold `meshpact run --json`; its pacts land in `pacts`. */
async function meshpactRun(scratch: string, pacts: string, reports: string): Promise<RunRound> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/meshpact.js'), 'run', '--json', '--reports', reports],
    {
      cwd: root,
      env: {
        ...process.env,
        TMPDIR: scratch,
        MESHPACT_PACT_DIR: pacts,
        CI: 'true',
        PACT_DO_NOT_TRACK: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = () => child.kill('SIGTERM');
  interrupted.signal.addEventListener('abort', stop);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const totalMs = performance.now() - started;
  interrupted.signal.removeEventListener('abort', stop);
  interrupted.signal.throwIfAborted();
  if (code !== 0) throw new Error(`meshpact run exited ${code}:\n${err.slice(-4000)}`);
  const report = JSON.parse(out) as MeshReport;
  if (report.verdict !== 'pass') throw new Error(`meshpact run: verdict ${report.verdict}`);
  return {
    totalMs,
    phases: Object.fromEntries(report.phases.map((p) => [p.name, p.durationMs])),
    interactions: report.verifications.reduce((n, v) => n + v.interactions.length, 0),
  };
}

// ---- the raw replay -------------------------------------------------------

interface ReplayRound {
  totalMs: number;
  /** Starting Postgres and the services, all providers together. */
  startMs: number;
  /** Stopping them. */
  stopMs: number;
  /** State setups and teardowns. */
  statesMs: number;
  /** Requests and conversations. */
  trafficMs: number;
  interactions: number;
  /** Answers whose status, or conversations whose frame count, was not the pact's. */
  wrong: string[];
}

type Values = Record<string, unknown>;

function decode(contents: Contents | undefined): unknown {
  const content = contents?.content;
  if (typeof content !== 'string') return content;
  const text = contents?.encoded ? Buffer.from(content, 'base64').toString('utf8') : content;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A generator keyed by a header or query name, at that name's JSON path. */
const byName = (generators: Record<string, Generator> = {}) =>
  Object.fromEntries(
    Object.entries(generators).map(([name, g]) => [
      name.startsWith('$') ? name : `$['${name}']`,
      g,
    ]),
  );

const first = (value: string | string[]) => (Array.isArray(value) ? value.join(', ') : value);

async function changeState(
  url: string,
  state: { name: string; params?: Record<string, unknown> },
  action: 'setup' | 'teardown',
): Promise<Values> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ state: state.name, params: state.params ?? {}, action }),
    signal: interrupted.signal,
  });
  const values = (await response.json()) as Values;
  if (!response.ok) throw new Error(`${action} "${state.name}": ${response.status}`);
  return values;
}

async function sendHttp(base: string, request: HttpRequest, values: Values): Promise<number> {
  const generators = request.generators ?? {};
  const path = generators.path
    ? (
        fillStateGenerators({ path: request.path }, { '$.path': generators.path }, values) as {
          path: string;
        }
      ).path
    : (request.path ?? '/');
  const headers = fillStateGenerators(
    Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k, first(v)])),
    byName(generators.header),
    values,
  ) as Record<string, string>;
  const query = fillStateGenerators(
    Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, first(v)])),
    byName(generators.query),
    values,
  ) as Record<string, string>;
  const body = fillStateGenerators(decode(request.body), generators.body ?? {}, values);
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: interrupted.signal,
  });
  await response.arrayBuffer();
  return response.status;
}

async function converse(wsUrl: string, request: unknown, expected: number): Promise<number> {
  const { connection = {}, frames = [] } = request as {
    connection?: { path?: string; subprotocols?: string[]; headers?: Record<string, string> };
    frames?: unknown[];
  };
  const url = new URL(connection.path ?? '', wsUrl).href;
  const ws = new WebSocket(url, connection.subprotocols ?? [], { headers: connection.headers });
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const end = () => ws.terminate();
    const timer = setTimeout(end, 10_000);
    interrupted.signal.addEventListener('abort', end);
    ws.once('error', reject);
    ws.once('close', () => {
      clearTimeout(timer);
      interrupted.signal.removeEventListener('abort', end);
      resolve();
    });
    ws.once('open', () => {
      for (const frame of frames)
        ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    });
    ws.on('message', () => {
      if (++received === expected) ws.close(1000);
    });
  });
  return received;
}

async function replay(pactsDir: string): Promise<ReplayRound> {
  const pacts = readPactFiles(pactsDir);
  const providers = [...new Set(mesh.contracts.map((pair) => pair.provider))];
  const round: ReplayRound = {
    totalMs: 0,
    startMs: 0,
    stopMs: 0,
    statesMs: 0,
    trafficMs: 0,
    interactions: 0,
    wrong: [],
  };
  const started = performance.now();
  const timed = async <T>(
    key: 'startMs' | 'stopMs' | 'statesMs' | 'trafficMs',
    work: () => Promise<T>,
  ) => {
    const at = performance.now();
    try {
      return await work();
    } finally {
      round[key] += performance.now() - at;
    }
  };
  // As a hand-written replay would: one Postgres, every service started once.
  const postgres = await timed('startMs', () => startPostgres());
  let services: ProvidersUnderVerification | undefined;
  try {
    services = await timed('startMs', () =>
      startProviders(mesh, providers, {
        databaseUrl: postgres.connectionString,
        output: { write: () => true },
        signal: interrupted.signal,
      }),
    );
    for (const provider of providers) {
      const { url, wsUrl, statesUrl } = services.endpointsOf(provider);
      if (!statesUrl) throw new Error(`${provider} serves no provider states`);
      for (const pact of pacts.filter((p) => p.provider === provider)) {
        const interactions = (pact.content as { interactions?: PactInteraction[] }).interactions;
        for (const interaction of interactions ?? []) {
          interrupted.signal.throwIfAborted();
          const states = interaction.providerStates ?? [];
          let values: Values = {};
          for (const state of states)
            values = {
              ...values,
              ...(await timed('statesMs', () => changeState(statesUrl, state, 'setup'))),
            };
          const label = `${pact.consumer} -> ${provider}: ${interaction.description}`;
          if (interaction.type === 'Synchronous/Messages') {
            const request = fillStateGenerators(
              decode(interaction.request?.contents),
              interaction.request?.generators?.body ?? {},
              values,
            );
            const expected =
              (decode(interaction.response?.[0]?.contents) as { frames?: unknown[] }).frames
                ?.length ?? 0;
            const received = await timed('trafficMs', () => converse(wsUrl!, request, expected));
            if (received !== expected) round.wrong.push(`${label}: ${received}/${expected} frames`);
          } else {
            const status = await timed('trafficMs', () =>
              sendHttp(url, interaction.request ?? {}, values),
            );
            const want = (interaction.response as { status?: number } | undefined)?.status;
            if (status !== want) round.wrong.push(`${label}: ${status}, not ${want}`);
          }
          for (const state of states)
            await timed('statesMs', () => changeState(statesUrl, state, 'teardown'));
          round.interactions++;
        }
      }
    }
  } finally {
    await timed('stopMs', async () => {
      await services?.close();
      await postgres.stop();
    });
  }
  round.totalMs = performance.now() - started;
  return round;
}

// ---- the rounds -------------------------------------------------------------

console.log('building the tree the run starts (npm run build)…');
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

const scratch = mkdtempSync(join(tmpdir(), 'meshpact-bench-verify-'));
// The embedded Postgres runs as the postgres user, which must reach into it.
chmodSync(scratch, 0o755);
const cleanUp = () => rmSync(scratch, { recursive: true, force: true });
process.once('exit', cleanUp);
const pactsDir = join(scratch, 'pacts');
const runs: RunRound[] = [];
const replays: ReplayRound[] = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const run = await meshpactRun(scratch, pactsDir, join(scratch, 'reports'));
    runs.push(run);
    const raw = await replay(pactsDir);
    if (raw.wrong.length > 0) throw new Error(`the replay went wrong:\n${raw.wrong.join('\n')}`);
    if (raw.interactions !== run.interactions)
      throw new Error(
        `the replay sent ${raw.interactions} interactions, the run verified ${run.interactions}`,
      );
    replays.push(raw);
    console.log(
      `round ${round}: run ${(run.totalMs / 1000).toFixed(1)} s (verify ${(run.phases.verify! / 1000).toFixed(1)} s), replay ${(raw.totalMs / 1000).toFixed(1)} s`,
    );
  }
} catch (error) {
  cleanUp();
  if (!interrupted.signal.aborted) throw error;
  console.error('verify-mesh: interrupted; everything it started is stopped');
  process.exit(130);
}

const med = (pick: (r: RunRound) => number) => median(runs.map(pick));
const verifyMs = med((r) => r.phases.verify ?? Number.NaN);
const runMs = med((r) => r.totalMs);
// meshpact's verify phase starts no service: its workers start them during the
// contracts phase. So it is held against what the replay does once its
// services are up: the states, the traffic, and stopping everything.
const verifyingMs = (r: ReplayRound) => r.statesMs + r.trafficMs + r.stopMs;
const replayMs = median(replays.map(verifyingMs));
const interactions = runs[0]!.interactions;

console.log(
  `\nverify phase against a raw replay (${interactions} interactions, medians of ${ROUNDS}):`,
);
const replayed = (pick: (r: ReplayRound) => number) => Math.round(median(replays.map(pick)));
printTable(
  ['what', 'meshpact verify ms', 'raw replay ms', 'ratio'],
  [
    ['services up to stopped', Math.round(verifyMs), Math.round(replayMs), verifyMs / replayMs],
    ['  state setups/teardowns', '', replayed((r) => r.statesMs), ''],
    ['  requests, conversations', '', replayed((r) => r.trafficMs), ''],
    ['  stopping the services', '', replayed((r) => r.stopMs), ''],
    ['starting the services', 'during contracts', replayed((r) => r.startMs), ''],
  ],
);

const phaseNames = Object.keys(runs[0]!.phases);
console.log(`\n\`meshpact run\` cold to verdict (medians of ${ROUNDS}):`);
printTable(
  ['phase', 'ms', 'share'],
  [
    ...phaseNames.map((name) => {
      const ms = med((r) => r.phases[name] ?? 0);
      return [name, Math.round(ms), `${((ms / runMs) * 100).toFixed(0)}%`];
    }),
    [
      '(start-up, reports, stop)',
      Math.round(runMs - phaseNames.reduce((s, n) => s + med((r) => r.phases[n] ?? 0), 0)),
      '',
    ],
    ['total', Math.round(runMs), '100%'],
  ],
);

finish(
  'verify-mesh',
  [
    { name: 'verify vs raw replay', meshpact: verifyMs, raw: replayMs, better: 'lower' },
    { name: 'meshpact run vs 15 s target', meshpact: runMs, raw: 15_000, better: 'lower' },
  ],
  { rounds: ROUNDS, interactions, runs, replays },
);
cleanUp();
