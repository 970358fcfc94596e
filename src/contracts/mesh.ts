import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { MeshpactError } from '../errors/meshpact-error.js';
import { packageRoot } from '../runtime/paths.js';
import type {
  ContractTests,
  Mesh,
  Pacticipant,
  StartCommand,
  StatesEndpoint,
  WebSocketEndpoint,
} from './mesh-model.js';

// A minimal reader of the manifest format (issue 15's spec, section 1), with
// no schema and no line numbers: the full loader replaces it.

type Raw = Record<string, unknown>;

/** Reads a manifest (by default meshpact's own contracts/mesh.yaml) into the mesh model. */
export function loadMesh(file = join(packageRoot(), 'contracts/mesh.yaml')): Mesh {
  const path = resolve(file);
  const invalid = (detail: string) => new MeshpactError('config_invalid', `${file}: ${detail}`);
  let raw: Raw;
  try {
    raw = (parse(readFileSync(path, 'utf8')) ?? {}) as Raw;
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const root = resolve(dirname(path), typeof raw.root === 'string' ? raw.root : '.');
  const at = (relative: unknown) => resolve(root, String(relative));
  const strings = (value: unknown) =>
    Object.fromEntries(Object.entries((value ?? {}) as Raw).map(([k, v]) => [k, String(v)]));

  const pacticipants = new Map<string, Pacticipant>();
  for (const [name, entry] of Object.entries((raw.pacticipants ?? {}) as Record<string, Raw>)) {
    const { kind } = entry;
    if (kind !== 'http' && kind !== 'message' && kind !== 'consumer')
      throw invalid(`pacticipant ${name}: kind must be http, message or consumer`);
    const start = entry.start as Raw | undefined;
    const states = entry.states as Raw | undefined;
    const ws = entry.ws as Raw | undefined;
    const tests = entry.tests as Raw | undefined;
    const ready = (start?.ready ?? {}) as Raw;
    const startCommand: StartCommand | undefined = start && {
      command: String(start.command),
      cwd: at(start.cwd ?? '.'),
      env: strings(start.env),
      port: typeof start.port === 'number' ? start.port : 'auto',
      ready: {
        http: typeof ready.http === 'string' ? ready.http : '/',
        timeoutMs: duration(ready.timeout, 30_000),
      },
      ...(start.database === 'postgres' ? { database: 'postgres' as const } : {}),
      stopTimeoutMs: duration(start['stop-timeout'], 10_000),
    };
    const statesEndpoint: StatesEndpoint | undefined = states && {
      url: String(states.url),
      env: strings(states.env),
    };
    const wsEndpoint: WebSocketEndpoint | undefined = ws && {
      url: String(ws.url),
      ...(ws['frame-schema'] ? { frameSchema: at(ws['frame-schema']) } : {}),
    };
    const contractTests: ContractTests | undefined = tests && {
      command: String(tests.command),
      cwd: at(tests.cwd ?? '.'),
      env: strings(tests.env),
      pacts: at(tests.pacts ?? 'contracts/pacts'),
    };
    pacticipants.set(name, {
      name,
      kind,
      ...(entry.openapi ? { openapi: at(entry.openapi) } : {}),
      ...(entry.asyncapi ? { asyncapi: at(entry.asyncapi) } : {}),
      ...(typeof entry['served-by'] === 'string' ? { servedBy: entry['served-by'] } : {}),
      ...(startCommand ? { start: startCommand } : {}),
      ...(typeof entry.url === 'string' ? { url: entry.url } : {}),
      ...(statesEndpoint ? { states: statesEndpoint } : {}),
      ...(wsEndpoint ? { ws: wsEndpoint } : {}),
      ...(contractTests ? { tests: contractTests } : {}),
    });
  }
  const contracts = ((raw.contracts ?? []) as Raw[]).map(({ consumer, provider }, index) => {
    for (const name of [consumer, provider])
      if (typeof name !== 'string' || !pacticipants.has(name))
        throw invalid(`contracts[${index}] names ${String(name)}, which is not a pacticipant`);
    return { consumer: consumer as string, provider: provider as string };
  });
  return { file: path, root, pacticipants, contracts };
}

/** `30s`, `500ms`, `2m` in milliseconds. */
function duration(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new MeshpactError('config_invalid', `${text} is not a duration`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}
