// ws-fanout: one run's events to N sockets subscribed to its thread, through
// meshpact's gateway and through a raw `ws` server broadcasting the same
// frames to the same clients (bench/support/ws-raw-server.ts).
//
// Processes: this one (Postgres, auth-service, orchestration), backend-api
// (providers/backend/main.ts: its gateway is what is measured), a producer
// storing the events through the backend's write path
// (bench/support/ws-producer.ts), the raw server, and a client fleet per
// server and size (bench/support/ws-fleet.ts). Both servers hear the events
// from the same Postgres NOTIFY, so the difference is the delivery side.
//
// Burst: one run's events committed back to back, as fast as the producer
// can, BURST_FRAMES frames in all (at least MIN_BURST_EVENTS events, a short
// run's worth): what raw delivers in 0.1 to 0.2 s at 1000 clients on two
// cores, so the burst's p99 is what a client waits for a run's events rather
// than how long a long backlog takes to drain (--burst-frames=300000 shows
// that); median of --runs.
// Paced: PACED_FRAMES_PER_S frames a second offered for about PACED_SECONDS,
// median of --runs too.
// Latency is from the event's timestamp (taken in its transaction) to
// receipt; RSS is the server process's peak VmRSS while sending.
//
//   npm run bench -- ws-fanout               # 100, 1000 and 5000 clients
//   npm run bench -- ws-fanout 1000 --runs=1 # one size, one burst
//   npm run bench -- ws-fanout 1000 --servers=meshpact --profile=/tmp/prof
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAuthForTest, type AuthUnderTest } from '../providers/auth/testing.js';
import { startChild, type Child } from './support/child.js';
import { finish, median, printTable, type Ratio } from './support/report.js';
import type { FleetResult } from './support/ws-fleet.js';

const PACED_FRAMES_PER_S = 40_000;
const PACED_SECONDS = 2;
const INTROSPECTION_CLIENT = 'backend-api:test-introspection-secret';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const support = (name: string) => join(here, 'support', `${name}.ts`);

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const runs = Number(option('runs') ?? 3);
/** `--burst-frames=<n>`: a bigger burst, to see how long a backlog takes to drain. */
const BURST_FRAMES = Number(option('burst-frames') ?? 10_000);
const MIN_BURST_EVENTS = 10;
/** `--profile=<dir>`: every process but this one writes a CPU profile there when it stops. */
const profileDir = option('profile');
const profiling = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
/** `--servers=meshpact`: one side only, e.g. while profiling. */
const servers = (option('servers')?.split(',') ?? ['meshpact', 'raw']) as Server[];

type Server = 'meshpact' | 'raw';
type Mode = 'burst' | 'paced';

interface Measured {
  clients: number;
  mode: Mode;
  server: Server;
  events: number;
  runs: FleetResult[];
  rssMiB: number;
}

/** backend-api as its own process, as its main.ts starts it; resolves once it listens. */
async function startBackend(
  env: Record<string, string>,
): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [...profiling, '--import', 'tsx', join(root, 'providers/backend/main.ts')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  // Its log lines (info: one per handshake) are read and dropped, as a log shipper would.
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4_000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening on (\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`backend-api exited (${code}): ${tail}`)));
  });
  return { process: child, url };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Samples the peak RSS of `pid` while `work` runs. */
async function peakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
  try {
    const result = await work;
    return { result, peak: Math.max(peak, rssMiB(pid)) };
  } finally {
    clearInterval(timer);
  }
}

async function json(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

const started: { stop(): Promise<void> }[] = [];
const stopAll = async () => {
  for (const running of started.splice(0).reverse()) await running.stop().catch(() => undefined);
};
const onSignal = () => void stopAll().finally(() => process.exit(130));
process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

/** Starts the mesh, the producer and the raw server, and measures every size on both servers. */
async function measureAll(): Promise<Measured[]> {
  const auth: AuthUnderTest = await startAuthForTest({
    env: { AUTH_INTROSPECTION_CLIENTS: INTROSPECTION_CLIENT },
  });
  started.push({ stop: () => auth.close() });
  const connectionString = auth.postgres.connectionString;
  const backend = await startBackend({
    DATABASE_URL: connectionString,
    AUTH_URL: auth.url,
    BACKEND_AUTH_CLIENT: INTROSPECTION_CLIENT,
    BACKEND_PORT: '0',
    LOG_LEVEL: 'info',
  });
  started.push({
    stop: () =>
      new Promise<void>((resolve) => {
        if (backend.process.exitCode !== null) return resolve();
        backend.process.once('exit', () => resolve());
        backend.process.kill('SIGTERM');
      }),
  });
  const producer = startChild(support('ws-producer'), profiling);
  started.push(producer);
  const raw = startChild(support('ws-raw-server'), profiling);
  started.push(raw);

  const session = await json(`${auth.url}/auth/register`, {
    email: 'fanout@bench.example',
    password: 'correct horse battery',
    name: 'Fanout',
  });
  const token = String(session.access_token);
  const tenantId = String((session.user as { tenant_id: string }).tenant_id);
  const threadId = String(
    (await json(`${backend.url}/api/threads`, { title: 'fanout' }, token)).id,
  );
  await producer.call('open', { connectionString });
  const { wsUrl: rawUrl } = await raw.call<{ wsUrl: string }>('listen', { connectionString });
  const urls: Record<Server, { ws: string; pid: number }> = {
    meshpact: { ws: `${backend.url.replace(/^http/, 'ws')}/ws`, pid: backend.process.pid! },
    raw: { ws: rawUrl, pid: raw.pid },
  };

  /** One run of `events` events to the fleet, as fast as commits go or at `perSecond`. */
  async function send(fleet: Child, pid: number, events: number, perSecond?: number) {
    const { runId } = await producer.call<{ runId: string }>('prepare', { tenantId, threadId });
    await fleet.call('arm', { runId, events });
    const produced = producer.call('produce', { events, ...(perSecond ? { perSecond } : {}) });
    const { result, peak } = await peakRss(
      pid,
      fleet.call<FleetResult>('collect', { timeoutMs: 60_000 }),
    );
    await produced;
    if (!result.complete) console.error(`  ${events} events: the fleet timed out waiting`);
    return { result, peak };
  }

  const results: Measured[] = [];
  for (const clients of sizes.length > 0 ? sizes : [100, 1_000, 5_000]) {
    const burstEvents = Math.max(MIN_BURST_EVENTS, Math.round(BURST_FRAMES / clients));
    const pacedPerSecond = PACED_FRAMES_PER_S / clients;
    const pacedEvents = Math.max(10, Math.round(pacedPerSecond * PACED_SECONDS));
    for (const server of servers) {
      const fleet = startChild(support('ws-fleet'), profiling);
      started.push(fleet);
      const { ms } = await fleet.call<{ ms: number }>('connect', {
        url: urls[server].ws,
        token,
        threadId,
        clients,
      });
      console.log(`${clients} clients on ${server}: connected in ${ms} ms`);
      const measure = async (mode: Mode, events: number, perSecond?: number) => {
        const measured: Measured = { clients, mode, server, events, runs: [], rssMiB: 0 };
        for (let run = 0; run < runs; run++) {
          const { result, peak } = await send(fleet, urls[server].pid, events, perSecond);
          measured.runs.push(result);
          measured.rssMiB = Math.max(measured.rssMiB, peak);
        }
        results.push(measured);
      };
      await measure('burst', burstEvents);
      await measure('paced', pacedEvents, pacedPerSecond);
      await fleet.stop();
      started.splice(started.indexOf(fleet), 1);
    }
  }
  return results;
}

const results = await measureAll().finally(stopAll);

const summary = results.map((m) => ({
  clients: m.clients,
  mode: m.mode,
  server: m.server,
  events: m.events,
  // What the producer offered: where frames/s is about as much, the burst was
  // bound by the commits (and the CPU the server left them), not by the server.
  offeredPerSecond: median(
    m.runs.map((r) => (m.clients * (m.events - 1)) / (r.committingMs / 1000)),
  ),
  framesPerSecond: median(m.runs.map((r) => r.framesPerSecond)),
  p50: median(m.runs.map((r) => r.p50)),
  p99: median(m.runs.map((r) => r.p99)),
  lost: m.runs.reduce((sum, r) => sum + r.lost, 0),
  duplicated: m.runs.reduce((sum, r) => sum + r.duplicated, 0),
  rssMiB: m.rssMiB,
  runs: m.runs,
}));
console.log(
  `\nburst: ${BURST_FRAMES.toLocaleString('en-US')} frames a run, median of ${runs}; paced: ${PACED_FRAMES_PER_S.toLocaleString('en-US')} frames/s offered for ${PACED_SECONDS} s; medians of ${runs}`,
);
printTable(
  [
    'clients',
    'mode',
    'server',
    'events',
    'offered/s',
    'frames/s',
    'p50 ms',
    'p99 ms',
    'lost',
    'dup',
    'RSS MiB',
  ],
  summary.map((s) => [
    s.clients,
    s.mode,
    s.server,
    s.events,
    Math.round(s.offeredPerSecond),
    Math.round(s.framesPerSecond),
    s.p50,
    s.p99,
    s.lost,
    s.duplicated,
    Math.round(s.rssMiB),
  ]),
);
const find = (clients: number, mode: Mode, server: Server) =>
  summary.find((s) => s.clients === clients && s.mode === mode && s.server === server);
const ratios: Ratio[] = [...new Set(summary.map((s) => s.clients))].flatMap((clients) =>
  (['burst', 'paced'] as const).flatMap((mode): Ratio[] => {
    const meshpact = find(clients, mode, 'meshpact');
    const raw = find(clients, mode, 'raw');
    if (!meshpact || !raw) return [];
    const at = `@${clients} ${mode}`;
    return [
      ...(mode === 'burst'
        ? [
            {
              name: `frames/s ${at}`,
              meshpact: meshpact.framesPerSecond,
              raw: raw.framesPerSecond,
              better: 'higher' as const,
            },
          ]
        : []),
      { name: `p99 ${at}`, meshpact: meshpact.p99, raw: raw.p99, better: 'lower' },
    ];
  }),
);
const broken = summary.filter((s) => s.lost > 0 || s.duplicated > 0);
finish('ws-fanout', ratios, {
  burstFrames: BURST_FRAMES,
  pacedFramesPerSecond: PACED_FRAMES_PER_S,
  results: summary,
});
if (broken.length > 0) {
  console.error('ws-fanout: frames were lost or duplicated');
  process.exitCode = 1;
}
