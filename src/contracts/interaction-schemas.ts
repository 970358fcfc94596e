import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse } from 'yaml';
import { isObject } from './json-values.js';
import { contentSchema } from './media-types.js';
import type { Mesh } from './mesh-model.js';
import { serverBasePaths, statusKeyFor, templateFor } from './openapi-matching.js';

/** The schema files (absolute paths) that one HTTP exchange must match. */
export interface HttpSchemas {
  operation: string;
  request?: string;
  response?: string;
}

interface Operation {
  id: string;
  method: string;
  /** The path template, e.g. `/items/{id}`. */
  path: string;
  request?: string;
  responses: Map<string, string | undefined>;
}

interface Operations {
  /** The base paths of the document's servers, e.g. `/v1`. */
  basePaths: string[];
  list: Operation[];
}

type Doc = Record<string, unknown>;

/**
 * Finds, from a provider's OpenAPI document, which schema each request and
 * response body of a contract must match: by operation (method and path) and
 * status. The API documents reference the schema files, so this is the same
 * single source of truth the services validate with.
 */
export class InteractionSchemas {
  readonly #operations = new Map<string, Operations>();
  readonly #mesh: Mesh;

  constructor(mesh: Mesh) {
    this.#mesh = mesh;
  }

  /** Whether the manifest gives the provider an OpenAPI document to check its exchanges by. */
  describes(provider: string): boolean {
    return this.#mesh.pacticipants.get(provider)?.openapi !== undefined;
  }

  /** Every body schema file the provider's OpenAPI document references (none without one). */
  files(provider: string): string[] {
    if (!this.describes(provider)) return [];
    return [
      ...new Set(
        this.#operationsOf(provider).list.flatMap((op) => [
          ...(op.request ? [op.request] : []),
          ...[...op.responses.values()].filter((file): file is string => file !== undefined),
        ]),
      ),
    ];
  }

  /** Undefined when the provider has no operation for this method and path. */
  forHttp(provider: string, method: string, path: string, status: number): HttpSchemas | undefined {
    const { basePaths, list } = this.#operationsOf(provider);
    const candidates = list.filter((op) => op.method === method.toLowerCase());
    const template = templateFor(
      candidates.map((op) => op.path),
      path,
      basePaths,
    );
    const operation = candidates.find((op) => op.path === template);
    if (!operation) return undefined;
    const key = statusKeyFor(operation.responses.keys(), status);
    const response = key === undefined ? undefined : operation.responses.get(key);
    return {
      operation: `${method.toUpperCase()} ${operation.id}`,
      ...(operation.request ? { request: operation.request } : {}),
      ...(response ? { response } : {}),
    };
  }

  #operationsOf(provider: string): Operations {
    let operations = this.#operations.get(provider);
    if (!operations) {
      const pacticipant = this.#mesh.pacticipants.get(provider);
      if (!pacticipant?.openapi)
        throw new Error(`${provider} has no OpenAPI document in ${this.#mesh.file}`);
      operations = readOperations(pacticipant.openapi);
      this.#operations.set(provider, operations);
    }
    return operations;
  }
}

function readOperations(documentPath: string): Operations {
  const doc = parse(readFileSync(documentPath, 'utf8')) as Doc;
  const local = (node: unknown): Doc | undefined => {
    const ref = (node as Doc | undefined)?.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      return ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Doc | undefined)?.[key], doc) as Doc | undefined;
    }
    return node as Doc | undefined;
  };
  const bodySchema = (container: unknown): string | undefined => {
    const schema = contentSchema(local(container)?.content);
    const ref = isObject(schema) ? schema.$ref : undefined;
    return typeof ref === 'string' && !ref.startsWith('#')
      ? resolvePath(dirname(documentPath), ref.split('#')[0]!)
      : undefined;
  };

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Doc>)) {
    for (const [method, spec] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const operation = spec as Doc;
      const responses = new Map<string, string | undefined>();
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Doc)) {
        responses.set(status, bodySchema(response));
      }
      const request = bodySchema(operation.requestBody);
      operations.push({
        id: typeof operation.operationId === 'string' ? operation.operationId : path,
        method,
        path,
        responses,
        ...(request ? { request } : {}),
      });
    }
  }
  return { basePaths: serverBasePaths(doc.servers), list: operations };
}
