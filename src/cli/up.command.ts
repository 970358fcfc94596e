import { Command } from 'commander';
import type { Mesh } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { startMeshServices, wsUrlOf, type MeshServices } from '../runtime/mesh-services.js';
import { loadRuntimeConfig } from '../runtime/runtime-config.js';
import { untilSignal } from '../runtime/signals.js';
import { exitCodes, type CliContext } from './context.js';
import { addMeshOption, meshOf } from './mesh-option.js';

interface UpOptions {
  states?: boolean;
}

export function upCommand(context: CliContext): Command {
  return addMeshOption(
    new Command('up')
      .description(
        'Start services of the mesh as contracts/mesh.yaml says, with what they depend on, until Ctrl-C.',
      )
      .argument('[pacticipant...]', 'what to start (default: every pacticipant with start:)')
      .option('--states', "also serve provider states (each service's states.env)"),
  )
    .addHelpText(
      'after',
      `
Each service runs on a free port (or the manifest's port:) with a fresh database when it asks for
one (embedded Postgres, or a scratch database on DATABASE_URL); its output goes to stderr.

Examples:
  $ npx meshpact up                        # auth-service and backend-api
  $ npx meshpact up backend-events         # backend-api, which serves it, and auth-service
  $ npx meshpact up auth-service --states  # with POST /_pact/provider-states
  $ DATABASE_URL=postgres://me@localhost/mesh npx meshpact up`,
    )
    .action(async (named: string[], options: UpOptions, command: Command) => {
      const runtime = loadRuntimeConfig(context.env);
      const mesh = meshOf(context, command);
      const names = chosen(mesh, named);

      // Listening from the start: Ctrl-C while services start stops those already running.
      const starting = new AbortController();
      const finished = new AbortController();
      const interrupted = untilSignal(finished.signal).then((signal) => {
        if (signal) starting.abort(new MeshpactError('invalid_usage', `stopped by ${signal}`));
        return signal;
      });
      let services: MeshServices;
      try {
        services = await startMeshServices(mesh, names, {
          states: options.states ?? false,
          ...(runtime.databaseUrl ? { databaseUrl: runtime.databaseUrl } : {}),
          signal: starting.signal,
        });
      } catch (error) {
        if (!starting.signal.aborted) {
          finished.abort();
          throw error;
        }
        context.out(`${await interrupted}: stopped before every service was ready`);
        context.setExitCode(exitCodes.interrupted);
        return;
      }
      try {
        for (const { name, url } of services.services) context.out(`${name}: ${url}`);
        const started = new Set(services.services.map((service) => service.name));
        for (const pacticipant of mesh.pacticipants.values()) {
          if (!pacticipant.servedBy || !started.has(pacticipant.servedBy)) continue;
          const wsUrl = wsUrlOf(pacticipant, services.urlOf(pacticipant.name));
          if (wsUrl) context.out(`${pacticipant.name}: ${wsUrl}`);
        }
        context.out('ready; press Ctrl-C to stop');
        context.out(`${await interrupted}: stopping`);
      } finally {
        finished.abort();
        try {
          await services.close();
        } catch (error) {
          for (const problem of (error as AggregateError).errors ?? [error])
            context.err(`meshpact: ${(problem as Error).message}`);
          context.setExitCode(exitCodes.failed);
        }
      }
    });
}

/** The pacticipants named, or every one the manifest starts; an unknown name is a usage error. */
function chosen(mesh: Mesh, named: string[]): string[] {
  const servable = [...mesh.pacticipants.values()]
    .filter((p) => p.start || p.url || p.servedBy)
    .map((p) => p.name);
  for (const name of named)
    if (!servable.includes(name))
      throw new MeshpactError(
        'invalid_usage',
        `unknown pacticipant "${name}"; choose from ${servable.join(', ')}`,
      );
  if (named.length > 0) return named;
  const started = [...mesh.pacticipants.values()].filter((p) => p.start).map((p) => p.name);
  if (started.length === 0)
    throw new MeshpactError('invalid_usage', `${mesh.file} starts no service (no start:)`);
  return started;
}
