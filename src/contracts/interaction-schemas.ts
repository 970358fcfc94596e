import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse } from 'yaml';
import type { Mesh } from './mesh-model.js';

/** The schema files (absolute paths) that one HTTP exchange must match. */
export interface HttpSchemas {
  operation: string;
  request?: string;
  response?: string;
}

interface Operation {
  id: string;
  method: string;
  pattern: RegExp;
  request?: string;
  responses: Map<string, string | undefined>;
}

type Doc = Record<string, unknown>;

/**
 * Finds, from a provider's OpenAPI document, which schema each request and
 * response body of a contract must match: by operation (method and path) and
 * status. The API documents reference the schema files, so this is the same
 * single source of truth the services validate with.
 */
export class InteractionSchemas {
  readonly #operations = new Map<string, Operation[]>();
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
        this.#operationsOf(provider).flatMap((op) => [
          ...(op.request ? [op.request] : []),
          ...[...op.responses.values()].filter((file): file is string => file !== undefined),
        ]),
      ),
    ];
  }

  /** Undefined when the provider has no operation for this method and path. */
  forHttp(provider: string, method: string, path: string, status: number): HttpSchemas | undefined {
    const operation = this.#operationsOf(provider).find(
      (op) => op.method === method.toLowerCase() && op.pattern.test(path.split('?')[0] ?? path),
    );
    if (!operation) return undefined;
    const response = operation.responses.has(String(status))
      ? operation.responses.get(String(status))
      : operation.responses.get('default');
    return {
      operation: `${method.toUpperCase()} ${operation.id}`,
      ...(operation.request ? { request: operation.request } : {}),
      ...(response ? { response } : {}),
    };
  }

  #operationsOf(provider: string): Operation[] {
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

function readOperations(documentPath: string): Operation[] {
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
    const content = local(container)?.content as
      Record<string, { schema?: { $ref?: string } }> | undefined;
    const ref = Object.values(content ?? {})[0]?.schema?.$ref;
    return ref && !ref.startsWith('#')
      ? resolvePath(dirname(documentPath), ref.split('#')[0]!)
      : undefined;
  };

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Doc>)) {
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
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
        pattern,
        responses,
        ...(request ? { request } : {}),
      });
    }
  }
  return operations;
}
