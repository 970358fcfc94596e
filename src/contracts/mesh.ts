import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { MeshpactError } from '../errors/meshpact-error.js';
import { schemaRegistry } from '../schemas/registry.js';
import type { MeshFlow, SchemaTypes } from '../schemas/types.generated.js';
import { checkMesh, type MeshProblem } from './mesh-checks.js';
import type { FlowRules, Mesh, Pacticipant, StartCommand } from './mesh-model.js';
import { locate } from './yaml-locations.js';

export type * from './mesh-model.js';

type Manifest = SchemaTypes['meshpact/mesh'];
type Entry = NonNullable<Manifest['pacticipants'][string]>;

/** Where the manifest is when neither `--mesh` nor MESHPACT_MESH names one, from the current folder. */
export const defaultMeshFile = 'contracts/mesh.yaml';

/** The manifest to read: the one named (`--mesh`), else MESHPACT_MESH, else contracts/mesh.yaml. */
export function meshFileOf(env: Readonly<Record<string, string | undefined>>, named?: string) {
  return named ?? (env.MESHPACT_MESH || defaultMeshFile);
}

/**
 * Reads and checks a mesh manifest (relative paths from the current folder).
 * Every problem, from YAML syntax to a cycle of `{x.url}` dependencies, is
 * one line `<file>:<line>:<col>: <path>: <message>`, all of them in one
 * `config_invalid` error. Paths in the model are absolute; placeholders are
 * kept as written.
 *
 * @example loadMesh('examples/shop/mesh.yaml').pacticipants.get('shop-api')?.start?.command
 */
export function loadMesh(file = meshFileOf(process.env)): Mesh {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MeshpactError('config_invalid', `${file}: cannot read the mesh manifest`, {
      cause: error,
    });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail = (problems: MeshProblem[]) => {
    const located = problems.map((problem) => ({
      ...problem,
      ...locate(doc, lines, problem.path, problem.point),
    }));
    located.sort((a, b) => a.line - b.line || a.col - b.col);
    const detail = located.map(
      ({ line, col, path: at, message }) => `${file}:${line}:${col}: ${at}: ${message}`,
    );
    return new MeshpactError('config_invalid', detail.join('\n'));
  };
  // Only the first syntax error: the ones after it mostly follow from it.
  const [syntax] = doc.errors;
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new MeshpactError('config_invalid', `${file}:${line}:${col}: yaml: ${syntax.message}`);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // An alias that expands too far (a "billion laughs"), the one failure left after parsing.
    throw new MeshpactError('config_invalid', `${file}: yaml: ${(error as Error).message}`);
  }
  const validator = schemaRegistry().validator('meshpact/mesh');
  if (!validator.is(data)) {
    throw fail(
      validator.issues(data).map((issue) => ({
        ...issue,
        // A property that is not allowed, or whose name is not, is best shown by its key.
        point:
          issue.message === 'is not allowed' || issue.message.startsWith('is not an allowed name')
            ? 'key'
            : 'value',
      })),
    );
  }
  const problems = checkMesh(data);
  if (problems.length > 0) throw fail(problems);

  const root = resolve(dirname(path), data.root ?? '.');
  const pacticipants = new Map<string, Pacticipant>();
  for (const [name, entry] of Object.entries(data.pacticipants)) {
    if (entry) pacticipants.set(name, pacticipant(root, name, entry));
  }
  return {
    file: path,
    root,
    pacticipants,
    contracts: data.contracts.map(({ consumer, provider }) => ({ consumer, provider })),
  };
}

function pacticipant(root: string, name: string, entry: Entry): Pacticipant {
  const at = (relative: string) => resolve(root, relative);
  const { start, states, ws, tests } = entry;
  return {
    name,
    kind: entry.kind,
    ...(entry.openapi ? { openapi: at(entry.openapi) } : {}),
    ...(entry.asyncapi ? { asyncapi: at(entry.asyncapi) } : {}),
    ...(entry['served-by'] ? { servedBy: entry['served-by'] } : {}),
    ...(start ? { start: startCommand(root, start) } : {}),
    ...(entry.url ? { url: entry.url } : {}),
    ...(states ? { states: { url: states.url, env: envOf(states.env) } } : {}),
    ...(ws
      ? {
          ws: {
            url: ws.url,
            ...(ws['frame-schema'] ? { frameSchema: at(ws['frame-schema']) } : {}),
            ...(ws['client-frame-schema']
              ? { clientFrameSchema: at(ws['client-frame-schema']) }
              : {}),
            ...(ws.flow ? { flow: flowRulesOf(ws.flow) } : {}),
          },
        }
      : {}),
    ...(tests
      ? {
          tests: {
            command: tests.command,
            cwd: at(tests.cwd ?? '.'),
            env: envOf(tests.env),
            pacts: at(tests.pacts),
          },
        }
      : {}),
  };
}

function startCommand(root: string, start: NonNullable<Entry['start']>): StartCommand {
  return {
    command: start.command,
    cwd: resolve(root, start.cwd ?? '.'),
    env: envOf(start.env),
    port: typeof start.port === 'number' ? start.port : 'auto',
    ready: {
      http: start.ready?.http ?? '/',
      timeoutMs: milliseconds(start.ready?.timeout, 30_000),
    },
    ...(start.database ? { database: start.database } : {}),
    stopTimeoutMs: milliseconds(start['stop-timeout'], 10_000),
  };
}

function envOf(env: Readonly<Record<string, string | undefined>> | undefined) {
  return Object.fromEntries(
    Object.entries(env ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

const units = { ms: 1, s: 1000, m: 60_000 } as const;

/** A duration the schema let through: a whole number of ms or `<digits>(ms|s|m)`; absent: `fallback`. */
function milliseconds(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return fallback;
  const [, amount, unit] = /^(\d+)(ms|s|m)$/.exec(value) ?? [];
  return Number(amount) * units[unit as keyof typeof units];
}

/** Flow rules as the model holds them (camelCase), from their YAML form (schemas/meshpact/flow.json). */
export function flowRulesOf(flow: MeshFlow): FlowRules {
  return {
    discriminator: flow.discriminator,
    groupBy: flow['group-by'],
    ...(flow.first ? { first: flow.first } : {}),
    ...(flow.last ? { last: flow.last } : {}),
    ...(flow.sequence ? { sequence: flow.sequence } : {}),
    pairs: flow.pairs ?? [],
  };
}
