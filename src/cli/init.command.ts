import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { MeshpactError } from '../errors/meshpact-error.js';
import type { CliContext } from './context.js';
import { addMeshOption, meshFile } from './mesh-option.js';

/**
 * A starter manifest whose comments explain each key. `root` is the current
 * folder as seen from the manifest's, since that is where `init` was run.
 */
export function starterMesh(root: string): string {
  return `# The mesh meshpact checks: its services and consumers, how meshpact starts or
# reaches each provider, and who consumes whom. \`meshpact run\` reads this file;
# README.md of meshpact, "The mesh manifest", documents every key.

# Every relative path below is read from root, itself relative to this file's folder.
root: ${JSON.stringify(root)}

pacticipants:
  # An HTTP provider that meshpact starts, on a free port, for verification.
  orders-api:
    kind: http # http | message (WebSocket frames) | consumer
    # openapi: docs/orders.openapi.yaml # its OpenAPI document: contract examples are checked against it
    start:
      # Run by /bin/sh -c in a process group of its own, which is stopped as a whole.
      command: node server.js --port {port}
      cwd: . # where the command runs
      # Added to meshpact's own environment (with PORT, HOST=127.0.0.1, DATABASE_URL).
      # Placeholders: {port} and {url} (its own), {<pacticipant>.url} (another one,
      # started first), {secret:<name>} (random, the same everywhere), {root};
      # write {{ and }} for literal braces.
      env:
        LOG_LEVEL: warn
      port: auto # a free port, in PORT and {port}; or a fixed number
      ready: { http: /healthz, timeout: 30s } # ready once GET /healthz answers 2xx
      # database: postgres # a fresh Postgres database, its URL in DATABASE_URL
      stop-timeout: 10s # after SIGTERM, how long before SIGKILL
    # Pact's provider states: before each interaction meshpact POSTs
    # {state, params, action: setup|teardown} here. The env is added only when
    # the service is started for verification, so the endpoint exists only then.
    states:
      url: /_pact/provider-states
      env: { PACT_PROVIDER_STATES: 'on' }

  # A provider already running: a url instead of start.
  # payments-api:
  #   kind: http
  #   url: http://127.0.0.1:8080

  # A consumer: its contract tests are any command that writes pact files into
  # the folder meshpact passes as MESHPACT_PACT_DIR (and {pacts}).
  web-app:
    kind: consumer
    tests:
      command: npm test -- --selectProjects contract
      pacts: pacts # where the pact files land, relative to root

# Who consumes whom: one pact per pair.
contracts:
  - { consumer: web-app, provider: orders-api }
`;
}

export function initCommand(context: CliContext): Command {
  return addMeshOption(
    new Command('init')
      .description('Write a starter mesh manifest, commented, to fill in.')
      .option('--force', 'overwrite the manifest if it exists'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact init                         # contracts/mesh.yaml
  $ npx meshpact init --mesh mesh.yaml --force`,
    )
    .action((options: { force?: boolean }, command: Command) => {
      const file = meshFile(context, command);
      const path = resolve(file);
      const root = relative(dirname(path), process.cwd()) || '.';
      if (existsSync(path) && statSync(path).isDirectory())
        throw new MeshpactError(
          'invalid_usage',
          `${file} is a directory; name a file for the manifest`,
        );
      mkdirSync(dirname(path), { recursive: true });
      try {
        writeFileSync(path, starterMesh(root), { flag: options.force ? 'w' : 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new MeshpactError('invalid_usage', `${file} exists; give --force to overwrite it`);
      }
      context.out(`wrote ${file}: fill it in, then run npx meshpact run`);
    });
}
