import type { Mesh } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { serverOf, startMeshServices, wsUrlOf } from '../runtime/mesh-services.js';
import type { LineSink } from '../runtime/process-group.js';

/** A provider's real service, running for verification, and where it serves its states. */
export interface ProviderUnderVerification {
  provider: string;
  kind: 'http' | 'message';
  /** The HTTP service that is (or serves) the provider. */
  url: string;
  /** For a WebSocket provider: its endpoint, e.g. ws://127.0.0.1:4002/ws. */
  wsUrl?: string;
  /** Its state-change endpoint (Pact's protocol), when the manifest gives it (or its server) one. */
  statesUrl?: string;
  close(): Promise<void>;
}

export interface StartProviderOptions {
  /** An external Postgres to create scratch databases on; embedded Postgres otherwise. */
  databaseUrl?: string;
  /** Where the services' output goes; meshpact's stderr by default. */
  output?: LineSink;
}

/**
 * Starts what a provider of the manifest needs to be verified: its service
 * (its served-by's for a message provider) and the services that one
 * depends on, each with its states switched on (states.env), as the manifest
 * says.
 */
export async function startProvider(
  mesh: Mesh,
  name: string,
  options: StartProviderOptions = {},
): Promise<ProviderUnderVerification> {
  const pacticipant = mesh.pacticipants.get(name);
  if (!pacticipant || pacticipant.kind === 'consumer')
    throw new MeshpactError('invalid_usage', `${name} is not a provider in ${mesh.file}`);
  const server = serverOf(mesh, name);
  const services = await startMeshServices(mesh, [name], { ...options, states: true });
  try {
    const url = services.urlOf(name);
    const wsUrl = wsUrlOf(pacticipant, url);
    const states = pacticipant.states ?? server.states;
    return {
      provider: name,
      kind: pacticipant.kind,
      url,
      ...(wsUrl ? { wsUrl } : {}),
      ...(states ? { statesUrl: endpoint(mesh, name, 'states.url', states.url, url) } : {}),
      close: () => services.close(),
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}

/** `path` on the service at `base`, or a config error naming the manifest entry. */
function endpoint(mesh: Mesh, name: string, key: string, path: string, base: string): string {
  try {
    return new URL(path, base).href;
  } catch {
    throw new MeshpactError('config_invalid', `${mesh.file}: ${name}: ${key} ${path} is no URL`);
  }
}
