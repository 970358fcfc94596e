import type { Command } from 'commander';
import { loadMesh, meshFileOf, type Mesh } from '../contracts/mesh.js';
import type { CliContext } from './context.js';

const description = 'the mesh manifest (env MESHPACT_MESH; default contracts/mesh.yaml)';

/**
 * `--mesh <file>` on a command, so it reads after the command name too
 * (`meshpact run --mesh examples/shop/mesh.yaml`); the program has it as well
 * (`meshpact --mesh … run`).
 */
export function addMeshOption(command: Command): Command {
  return command.option('--mesh <file>', description);
}

/**
 * The manifest file this invocation names: the command's `--mesh`, else the
 * program's, else MESHPACT_MESH, else contracts/mesh.yaml. The one place the
 * CLI chooses it.
 */
export function meshFile(context: CliContext, command: Command): string {
  for (let each: Command | null = command; each; each = each.parent) {
    const { mesh } = each.opts<{ mesh?: string }>();
    if (mesh !== undefined) return mesh;
  }
  return meshFileOf(context.env);
}

/** The manifest this invocation names, loaded and checked. */
export function meshOf(context: CliContext, command: Command): Mesh {
  return loadMesh(meshFile(context, command));
}

/**
 * The folders the manifest's consumers write their pacts to (their
 * tests.pacts), each once: all of them, or those of `provider`'s consumers.
 */
export function pactDirsOf(mesh: Mesh, provider?: string): string[] {
  const consumers = mesh.contracts
    .filter((pair) => provider === undefined || pair.provider === provider)
    .map((pair) => pair.consumer);
  return [...new Set(consumers.flatMap((name) => mesh.pacticipants.get(name)?.tests?.pacts ?? []))];
}
