import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidationIssue } from '../errors/meshpact-error.js';
import { toIssues } from './registry.js';

// A JSON Schema a mesh names by its file (a WebSocket provider's frame
// schemas, the body schemas an OpenAPI document references), compiled from
// that file. Relative `$ref`s are read from the files they name, as ajv
// resolves them against the schema's `$id`: a schema under this package's
// schemas/ carries its own (https://meshpact.dev/schemas/…, mirroring its
// path), one without an `$id` gets its file URL, so either way a reference
// lands on the file beside it. Any team's schemas work, not only ours.

export type SchemaCheck = (value: unknown) => ValidationIssue[];

/** The schema in `file`, compiled once per file for the life of the process. */
export function schemaFileCheck(file: string): SchemaCheck {
  const path = resolve(file);
  let check = compiled.get(path);
  if (!check) {
    check = compile(path);
    compiled.set(path, check);
  }
  return check;
}

const compiled = new Map<string, SchemaCheck>();

function compile(file: string): SchemaCheck {
  // Not strict: a provider's schema may carry keywords of its own tools.
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false });
  addFormats.default(ajv);
  const root = addWithReferences(ajv, file);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile({ $ref: root });
  } catch (error) {
    throw new Error(`the schema ${file} does not compile: ${(error as Error).message}`);
  }
  return (value) => (validate(value) ? [] : toIssues(validate.errors ?? []));
}

/** Adds `file` and every file it references, returns its `$id`. */
function addWithReferences(ajv: Ajv2020, file: string, seen = new Map<string, string>()): string {
  const known = seen.get(file);
  if (known) return known;
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read the schema ${file}: ${(error as Error).message}`);
  }
  const id = typeof schema.$id === 'string' ? schema.$id : pathToFileURL(file).href;
  seen.set(file, id);
  try {
    ajv.addSchema({ ...schema, $id: id });
  } catch (error) {
    throw new Error(`the schema ${file} does not compile: ${(error as Error).message}`);
  }
  for (const ref of references(schema)) {
    const target = ref.split('#')[0]!;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    addWithReferences(ajv, resolve(dirname(file), target), seen);
  }
  return id;
}

function references(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return [];
  if (Array.isArray(node)) return node.flatMap(references);
  const own = (node as { $ref?: unknown }).$ref;
  return [...(typeof own === 'string' ? [own] : []), ...Object.values(node).flatMap(references)];
}
