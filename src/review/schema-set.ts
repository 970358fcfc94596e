import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decodePointerToken } from '../contracts/json-values.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { schemaIdBase } from '../schemas/schema-files.js';
import type { JsonSchema, RefResolver } from './schema-diff.js';

// The schemas a review compares (JSON Schema files, and the OpenAPI and
// AsyncAPI documents that say which are requests and which responses): those
// of a git ref, read with `git show`
// (never by checking the ref out, so the working tree is left alone), and
// those of the working tree. Each is keyed by its path under schemas/, and
// every `$ref` in it is rewritten to that key form ("backend/thread.json" or
// "backend/thread.json#/$defs/Metadata"), so one resolver serves both sides
// wherever a ref was written.

/** Schema files and API documents by their path under schemas/, e.g. `backend/thread.json`. */
export type SchemaSet = Map<string, JsonSchema>;

const SCHEMAS = 'schemas';

/** The schema files of the working tree under `root`. */
export function schemasInTree(root: string): SchemaSet {
  const set: SchemaSet = new Map();
  const dir = join(root, SCHEMAS);
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isSchemaFile(entry.name)) {
        const key = relative(dir, path).split(sep).join('/');
        set.set(key, parse(readFileSync(path, 'utf8'), `${SCHEMAS}/${key}`, key));
      }
    }
  };
  // A tree without schemas/ has none: every exchange of the base is then gone.
  if (existsSync(dir)) walk(dir);
  return set;
}

const gitIn = (root: string) => (args: string[]) =>
  execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });

/**
 * The commit `ref` names in the git checkout at `root`, e.g. `checkGitRef('.', 'origin/main')`;
 * refuses, with one plain line, a ref that names none.
 */
export function checkGitRef(root: string, ref: string): string {
  // A ref that git would read as an option is no ref; a control character
  // (a newline) would break the one line the refusal is.
  if (ref.startsWith('-') || /\p{Cc}/u.test(ref))
    throw new MeshpactError('invalid_usage', `not a git ref: ${JSON.stringify(ref)}`);
  const git = gitIn(root);
  try {
    git(['rev-parse', '--is-inside-work-tree']);
  } catch {
    throw new MeshpactError('invalid_usage', `${root} is not in a git repository`);
  }
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
  } catch {
    throw new MeshpactError('invalid_usage', `unknown git ref "${ref}" in ${root}`);
  }
}

/** The schema files as they are at `ref` (a branch, tag or commit) in the git checkout at `root`. */
export function schemasAtRef(root: string, ref: string): SchemaSet {
  // Every file is read from the one commit the ref names now, even if the
  // branch moves while they are read.
  const commit = checkGitRef(root, ref);
  const git = gitIn(root);
  const set: SchemaSet = new Map();
  // -z: names as they are, not C-quoted (`"th\303\255ng.json"`) as git prints unusual ones.
  const files = git(['ls-tree', '-r', '-z', '--name-only', commit, '--', `${SCHEMAS}/`])
    .split('\0')
    .filter(isSchemaFile);
  for (const file of files) {
    const key = file.slice(SCHEMAS.length + 1);
    // `./` reads the path from `root`, which may be a folder inside the repository.
    set.set(key, parse(git(['show', `${commit}:./${file}`]), `${ref}:${file}`, key));
  }
  return set;
}

const isSchemaFile = (name: string) => /\.(json|ya?ml)$/.test(name);

function parse(text: string, where: string, key: string): JsonSchema {
  const yaml = !key.endsWith('.json');
  let schema: unknown;
  try {
    schema = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new MeshpactError(
      'invalid_usage',
      `${where} is not ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return withKeyedRefs(schema, key) as JsonSchema;
}

/** A schema set of files given as parsed values, keyed as files under schemas/ are. */
export function schemaSetOf(files: Record<string, unknown>): SchemaSet {
  return new Map(
    Object.entries(files).map(([key, value]) => [key, withKeyedRefs(value, key) as JsonSchema]),
  );
}

/** How deep a file may nest: beyond any written by hand, within the call stack of whatever reads it. */
const MAX_NESTING = 1000;

/** A copy of `value` whose `$ref`s are keys of the schema set, read relative to the file `key`. */
function withKeyedRefs(value: unknown, key: string, depth = 0): unknown {
  if (depth > MAX_NESTING)
    throw new MeshpactError(
      'invalid_usage',
      `${SCHEMAS}/${key} nests deeper than ${MAX_NESTING} levels`,
    );
  if (Array.isArray(value)) return value.map((item) => withKeyedRefs(item, key, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries, as JSON.parse does, keeps a member named `__proto__` a member.
  return Object.fromEntries(
    Object.entries(value).map(([name, member]) => [
      name,
      name === '$ref' && typeof member === 'string'
        ? refKey(member, key)
        : withKeyedRefs(member, key, depth + 1),
    ]),
  );
}

function refKey(ref: string, key: string): string {
  const [target = '', pointer] = ref.split('#', 2);
  const fragment = pointer === undefined ? '' : `#${pointer}`;
  if (target === '') return `${key}${fragment}`;
  if (target.startsWith(schemaIdBase)) return `${target.slice(schemaIdBase.length)}${fragment}`;
  return `${posix.normalize(posix.join(posix.dirname(key), target))}${fragment}`;
}

/** Resolves keyed refs against the set of their side: a file, and a JSON pointer into it. */
export function refResolver(before: SchemaSet, after: SchemaSet): RefResolver {
  return (ref, side) => {
    const [file = '', fragment = ''] = ref.split('#', 2);
    const root = (side === 'before' ? before : after).get(file);
    // A file on one side only was added or removed: compared with the empty
    // schema, the diff shows all the other side constrains. (A file on
    // neither side, outside schemas/ or misspelt, is then the same on both.)
    if (root === undefined) return true;
    if (fragment !== '' && !fragment.startsWith('/'))
      throw new MeshpactError(
        'invalid_usage',
        `$ref ${JSON.stringify(ref)}: only JSON pointers are followed`,
      );
    let current: unknown = root;
    for (const token of fragment.split('/').slice(1)) {
      const name = pointerToken(token, ref);
      current =
        typeof current === 'object' && current !== null && Object.hasOwn(current, name)
          ? (current as Record<string, unknown>)[name]
          : undefined;
    }
    // Unlike a file added or removed, nothing at a pointer into a file that is
    // there is a broken ref: read as the empty schema, it would hide what the
    // other side says there.
    if (current === undefined)
      throw new MeshpactError(
        'invalid_usage',
        `$ref ${JSON.stringify(ref)}: ${SCHEMAS}/${file} has nothing at its pointer (${side} the change)`,
      );
    return current as JsonSchema;
  };
}

/** A JSON pointer token of a URI fragment: percent-escapes, then `~1` and `~0`. */
function pointerToken(token: string, ref: string): string {
  let text: string;
  try {
    text = decodeURIComponent(token);
  } catch {
    throw new MeshpactError(
      'invalid_usage',
      `$ref ${JSON.stringify(ref)} has a malformed %-escape`,
    );
  }
  return decodePointerToken(text);
}
