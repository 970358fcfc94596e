import { randomBytes } from 'node:crypto';
import { placeholdersOf, fillPlaceholders } from '../contracts/placeholders.js';
import type { Mesh, Pacticipant } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { fetchFailure } from './fetch-failure.js';
import type { LineSink } from './process-group.js';
import { startServiceProcess } from './service-process.js';

// The services of a mesh as its manifest describes them: each pacticipant is
// started by its command or reached at its URL, a message provider through
// the service that serves it (`served-by`), and a `{x.url}` placeholder makes
// x a dependency, started first and stopped last.

export interface MeshServicesOptions {
  /** Serve provider states: every service started gets its states.env (verification, `up --states`). */
  states?: boolean;
  /** An external Postgres for the services' databases; embedded Postgres otherwise. */
  databaseUrl?: string;
  /** Where the services' output goes; meshpact's stderr by default. */
  output?: LineSink;
  /** Stops starting: what was started is stopped, and the start rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface MeshService {
  name: string;
  url: string;
  /** False for a service reached at its manifest `url:`. */
  started: boolean;
}

export interface MeshServices {
  /** The services started or reached, dependencies first. */
  readonly services: readonly MeshService[];
  /** The base URL of a pacticipant's service (its served-by's for a message provider). */
  urlOf(name: string): string;
  /** Stops what was started, in reverse order. */
  close(): Promise<void>;
}

/** How long a service named by `url:` has to answer. */
const REACH_TIMEOUT_MS = 5_000;

/** The service a pacticipant's traffic goes to: its own, or its served-by's. */
export function serverOf(mesh: Mesh, name: string): Pacticipant {
  const pacticipant = mesh.pacticipants.get(name);
  if (!pacticipant) throw new MeshpactError('invalid_usage', `${name} is not in ${mesh.file}`);
  if (!pacticipant.servedBy) return pacticipant;
  const server = mesh.pacticipants.get(pacticipant.servedBy);
  if (!server)
    throw new MeshpactError(
      'config_invalid',
      `${mesh.file}: ${name} is served by ${pacticipant.servedBy}, which is not a pacticipant`,
    );
  return server;
}

/**
 * What a service's environment gains when it serves states: its own
 * states.env, and that of each message provider it serves (which may switch
 * on states of its own).
 */
function statesEnvOf(mesh: Mesh, server: Pacticipant): Record<string, string> {
  const served = [...mesh.pacticipants.values()].filter((p) => p.servedBy === server.name);
  const env: Record<string, string> = { ...server.states?.env };
  for (const provider of served) Object.assign(env, provider.states?.env);
  return env;
}

/** The pacticipants whose URL a text names (`{x.url}`). */
function urlsNamed(text: string): string[] {
  return placeholdersOf(text)
    .map(({ name }) => /^(.+)\.url$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * The services to start or reach for `names`, each after those it depends on.
 * A cycle or a pacticipant with no service is a configuration error.
 */
export function startOrder(mesh: Mesh, names: readonly string[], states: boolean): Pacticipant[] {
  const order: Pacticipant[] = [];
  const visiting: string[] = [];
  const visit = (name: string) => {
    const server = serverOf(mesh, name);
    if (order.includes(server)) return;
    if (visiting.includes(server.name))
      throw new MeshpactError(
        'config_invalid',
        `${mesh.file}: the services depend on each other in a cycle: ${[...visiting, server.name].join(' -> ')}`,
      );
    if (!server.start && !server.url)
      throw new MeshpactError(
        'config_invalid',
        `${mesh.file}: ${server.name} has neither start: nor url:, so meshpact cannot reach it`,
      );
    visiting.push(server.name);
    const texts = server.start
      ? [
          server.start.command,
          ...Object.values(server.start.env),
          ...(states ? Object.values(statesEnvOf(mesh, server)) : []),
        ]
      : [server.url ?? ''];
    for (const dependency of texts.flatMap(urlsNamed)) visit(dependency);
    visiting.pop();
    order.push(server);
  };
  names.forEach(visit);
  return order;
}

/**
 * Starts (or reaches) the services `names` need, in dependency order, with
 * the placeholders filled: `{x.url}`, `{secret:name}` (one random value per
 * call, the same wherever it appears), `{root}`, and each service's own
 * `{port}` and `{url}`. On any failure what was started is stopped again.
 */
export async function startMeshServices(
  mesh: Mesh,
  names: readonly string[],
  options: MeshServicesOptions = {},
): Promise<MeshServices> {
  const order = startOrder(mesh, names, options.states ?? false);
  const secrets = new Map<string, string>();
  const running: (MeshService & { close?: () => Promise<void> })[] = [];
  const urlOf = (name: string) => {
    const server = serverOf(mesh, name);
    const found = running.find((service) => service.name === server.name);
    if (!found) throw new Error(`${server.name} was not started`);
    return found.url;
  };
  const lookup = (placeholder: string): string | undefined => {
    if (placeholder === 'root') return mesh.root;
    const secret = /^secret:(.+)$/.exec(placeholder)?.[1];
    if (secret !== undefined) {
      if (!secrets.has(secret)) secrets.set(secret, randomBytes(24).toString('base64url'));
      return secrets.get(secret);
    }
    const named = /^(.+)\.url$/.exec(placeholder)?.[1];
    return named !== undefined && mesh.pacticipants.has(named) ? urlOf(named) : undefined;
  };
  const close = async () => {
    const problems: Error[] = [];
    for (const service of running.splice(0).reverse()) {
      try {
        await service.close?.();
      } catch (error) {
        problems.push(new Error(`stopping ${service.name}: ${(error as Error).message}`));
      }
    }
    if (problems.length > 0) throw new AggregateError(problems, 'stopping the services failed');
  };
  try {
    for (const pacticipant of order) {
      options.signal?.throwIfAborted();
      if (pacticipant.start) {
        const started = await startServiceProcess({
          name: pacticipant.name,
          start: pacticipant.start,
          ...(options.states ? { statesEnv: statesEnvOf(mesh, pacticipant) } : {}),
          lookup,
          ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
          ...(options.output ? { output: options.output } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        running.push({ ...started, started: true });
      } else {
        const url = fill(mesh, pacticipant.name, pacticipant.url ?? '', lookup);
        await reach(pacticipant.name, url);
        running.push({ name: pacticipant.name, url, started: false });
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    services: running.map(({ name, url, started }) => ({ name, url, started })),
    urlOf,
    close,
  };
}

function fill(
  mesh: Mesh,
  name: string,
  text: string,
  lookup: (placeholder: string) => string | undefined,
): string {
  try {
    return fillPlaceholders(text, lookup);
  } catch (error) {
    throw new MeshpactError('config_invalid', `${mesh.file}: ${name}: ${(error as Error).message}`);
  }
}

/** A service already running answers at its URL: any HTTP answer will do. */
async function reach(name: string, url: string): Promise<void> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${REACH_TIMEOUT_MS} ms`
        : fetchFailure(error);
    throw new MeshpactError('service_start_failed', `${name} at ${url} did not answer: ${reason}`);
  }
}

/** Where a WebSocket provider is reached: its ws URL, or a path on its served-by service. */
export function wsUrlOf(pacticipant: Pacticipant, serverUrl: string): string | undefined {
  if (!pacticipant.ws) return undefined;
  const base = new URL(serverUrl);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return new URL(pacticipant.ws.url, base).href;
}
