import type { Mesh } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import {
  serverOf,
  startMeshServices,
  wsUrlOf,
  type MeshServices,
} from '../runtime/mesh-services.js';
import type { LineSink } from '../runtime/process-group.js';

/** Where a provider under verification is reached: its service, its socket, its states. */
export interface ProviderEndpoints {
  provider: string;
  kind: 'http' | 'message';
  /** The HTTP service that is (or serves) the provider. */
  url: string;
  /** For a WebSocket provider: its endpoint, e.g. ws://127.0.0.1:4002/ws. */
  wsUrl?: string;
  /** Its state-change endpoint (Pact's protocol), when the manifest gives it (or its server) one. */
  statesUrl?: string;
}

/** A provider's real service, running for verification, and where it serves its states. */
export interface ProviderUnderVerification extends ProviderEndpoints {
  close(): Promise<void>;
}

/** The real services of several providers, each started once, however many of them need it. */
export interface ProvidersUnderVerification {
  endpointsOf(provider: string): ProviderEndpoints;
  close(): Promise<void>;
}

export interface StartProviderOptions {
  /** An external Postgres to create scratch databases on; embedded Postgres otherwise. */
  databaseUrl?: string;
  /** Where the services' output goes; meshpact's stderr by default. */
  output?: LineSink;
  /** Stops starting: what was started is stopped, and the start rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Starts what providers of the manifest need to be verified: their services
 * (their served-by's for message providers) and the services those depend
 * on, each once and with its states switched on (states.env), as the
 * manifest says.
 */
export async function startProviders(
  mesh: Mesh,
  names: readonly string[],
  options: StartProviderOptions = {},
): Promise<ProvidersUnderVerification> {
  for (const name of names) {
    const pacticipant = mesh.pacticipants.get(name);
    if (!pacticipant || pacticipant.kind === 'consumer')
      throw new MeshpactError('invalid_usage', `${name} is not a provider in ${mesh.file}`);
  }
  const services = await startMeshServices(mesh, names, { ...options, states: true });
  try {
    const endpoints = new Map(names.map((name) => [name, endpointsOf(mesh, name, services)]));
    return {
      endpointsOf: (name) => {
        const found = endpoints.get(name);
        if (!found) throw new Error(`${name} was not started for verification`);
        return found;
      },
      close: () => services.close(),
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}

/** Starts what one provider needs to be verified (see startProviders). */
export async function startProvider(
  mesh: Mesh,
  name: string,
  options: StartProviderOptions = {},
): Promise<ProviderUnderVerification> {
  const started = await startProviders(mesh, [name], options);
  return { ...started.endpointsOf(name), close: () => started.close() };
}

function endpointsOf(mesh: Mesh, name: string, services: MeshServices): ProviderEndpoints {
  const pacticipant = mesh.pacticipants.get(name)!;
  const url = services.urlOf(name);
  const wsUrl = wsUrlOf(pacticipant, url);
  const states = pacticipant.states ?? serverOf(mesh, name).states;
  return {
    provider: name,
    kind: pacticipant.kind === 'message' ? 'message' : 'http',
    url,
    ...(wsUrl ? { wsUrl } : {}),
    ...(states ? { statesUrl: endpoint(mesh, name, 'states.url', states.url, url) } : {}),
  };
}

/** `path` on the service at `base`, or a config error naming the manifest entry. */
function endpoint(mesh: Mesh, name: string, key: string, path: string, base: string): string {
  try {
    return new URL(path, base).href;
  } catch {
    throw new MeshpactError('config_invalid', `${mesh.file}: ${name}: ${key} ${path} is no URL`);
  }
}
