import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MeshpactError } from '../errors/meshpact-error.js';
import { packageRoot } from '../runtime/paths.js';

export interface Pacticipant {
  name: string;
  kind: 'http' | 'message' | 'consumer';
  /** Path (from the package root) of the OpenAPI document of an HTTP provider. */
  openapi?: string;
  /** Path of the AsyncAPI document of a message provider. */
  asyncapi?: string;
  /** For a message provider: the HTTP service that serves its messages. */
  servedBy?: string;
  /** How meshpact starts the provider's service: one of the services it ships. */
  start?: { service: ServiceName };
}

export const serviceNames = ['auth', 'backend'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface ContractPair {
  consumer: string;
  provider: string;
  /** The consumer's contract test that writes this pact. */
  tests: string;
}

export interface Mesh {
  root: string;
  pacticipants: ReadonlyMap<string, Pacticipant>;
  contracts: readonly ContractPair[];
}

/** Reads contracts/mesh.yaml, the manifest of services and who consumes whom. */
export function loadMesh(root = packageRoot(), file = 'contracts/mesh.yaml'): Mesh {
  const invalid = (detail: string) => new MeshpactError('config_invalid', `${file}: ${detail}`);
  let raw: {
    pacticipants?: Record<string, Record<string, unknown>>;
    contracts?: Record<string, unknown>[];
  };
  try {
    raw = parse(readFileSync(join(root, file), 'utf8')) as typeof raw;
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const pacticipants = new Map<string, Pacticipant>();
  for (const [name, entry] of Object.entries(raw.pacticipants ?? {})) {
    const kind = entry.kind;
    if (kind !== 'http' && kind !== 'message' && kind !== 'consumer') {
      throw invalid(`pacticipant ${name}: kind must be http, message or consumer`);
    }
    if (kind === 'http' && typeof entry.openapi !== 'string')
      throw invalid(`pacticipant ${name}: needs openapi`);
    if (kind === 'message' && typeof entry.asyncapi !== 'string')
      throw invalid(`pacticipant ${name}: needs asyncapi`);
    const start = entry.start as { service?: unknown } | undefined;
    if (start !== undefined && !serviceNames.includes(start.service as ServiceName))
      throw invalid(`pacticipant ${name}: start.service must be one of ${serviceNames.join(', ')}`);
    pacticipants.set(name, {
      name,
      kind,
      ...(typeof entry.openapi === 'string' ? { openapi: entry.openapi } : {}),
      ...(typeof entry.asyncapi === 'string' ? { asyncapi: entry.asyncapi } : {}),
      ...(typeof entry['served-by'] === 'string' ? { servedBy: entry['served-by'] } : {}),
      ...(start ? { start: { service: start.service as ServiceName } } : {}),
    });
  }
  const contracts = (raw.contracts ?? []).map((entry, index) => {
    const { consumer, provider, tests } = entry;
    if (typeof consumer !== 'string' || typeof provider !== 'string' || typeof tests !== 'string') {
      throw invalid(`contracts[${index}] needs consumer, provider and tests`);
    }
    for (const name of [consumer, provider]) {
      if (!pacticipants.has(name))
        throw invalid(`contracts[${index}] names ${name}, which is not a pacticipant`);
    }
    return { consumer, provider, tests };
  });
  return { root, pacticipants, contracts };
}
