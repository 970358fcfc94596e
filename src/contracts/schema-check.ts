import { relative } from 'node:path';
import type { ValidationIssue } from '../errors/meshpact-error.js';
import { formatIssues } from '../schemas/registry.js';
import { schemaFileCheck } from '../schemas/schema-file.js';
import { InteractionSchemas } from './interaction-schemas.js';
import type { Mesh } from './mesh-model.js';

/** One example in a contract that breaks its schema. */
export interface ExampleProblem {
  interaction: string;
  /** e.g. `response body`, `frames[2]` */
  part: string;
  /** The schema, named by its file under the mesh root (`auth/token-response` for schemas/auth/token-response.json). */
  schema: string;
  issues: ValidationIssue[];
}

export interface HttpExample {
  description: string;
  method: string;
  path: string;
  requestBody?: unknown;
  status: number;
  responseBody?: unknown;
}

/**
 * Checks the examples of a contract against the schemas the mesh names for
 * its provider: HTTP bodies by the provider's OpenAPI operation and status,
 * WebSocket frames by its `ws.frame-schema` and `ws.client-frame-schema`. A
 * provider that names none has nothing to be checked against. Used while a
 * consumer test records an interaction, and on pact files by `meshpact
 * contracts check`.
 */
export class ContractSchemaCheck {
  readonly #mesh: Mesh;
  readonly #schemas: InteractionSchemas;

  constructor(mesh: Mesh) {
    this.#mesh = mesh;
    this.#schemas = new InteractionSchemas(mesh);
  }

  http(provider: string, example: HttpExample): ExampleProblem[] {
    if (!this.#schemas.describes(provider)) return [];
    const found = this.#schemas.forHttp(provider, example.method, example.path, example.status);
    if (!found) {
      return [
        {
          interaction: example.description,
          part: 'request',
          schema: '(none)',
          issues: [
            {
              path: '/',
              message: `${provider} has no operation ${example.method} ${example.path}`,
            },
          ],
        },
      ];
    }
    const problems: ExampleProblem[] = [];
    const check = (part: string, schema: string | undefined, body: unknown) => {
      if (body === undefined) return;
      if (!schema) {
        problems.push({
          interaction: example.description,
          part,
          schema: '(none)',
          issues: [
            {
              path: '/',
              message: `${found.operation} has no ${part} for status ${example.status}`,
            },
          ],
        });
        return;
      }
      this.#validate(problems, example.description, part, schema, body);
    };
    // A request the provider refuses (4xx, 5xx) may break its schema on purpose: that is the point of the interaction.
    if (example.status < 400) check('request body', found.request, example.requestBody);
    check('response body', found.response, example.responseBody);
    return problems;
  }

  /** A single frame, or `{frames: [...]}`: a run's ordered flow. */
  message(provider: string, description: string, contents: unknown): ExampleProblem[] {
    const problems: ExampleProblem[] = [];
    const schema = this.#frameSchemas(provider).server;
    const frames = (contents as { frames?: unknown } | null)?.frames;
    if (Array.isArray(frames)) {
      frames.forEach((frame, index) =>
        this.#validate(problems, description, `frames[${index}]`, schema, frame),
      );
    } else {
      this.#validate(problems, description, 'message', schema, contents);
    }
    return problems;
  }

  /**
   * A conversation (a synchronous message): each client frame written as JSON
   * by the client-frame schema (one written as text is sent verbatim, broken
   * on purpose or not, and is not checked), each server frame by server-frame.
   */
  conversation(
    provider: string,
    description: string,
    request: unknown,
    response: unknown,
  ): ExampleProblem[] {
    const problems: ExampleProblem[] = [];
    const shape = (part: string, message: string) =>
      problems.push({
        interaction: description,
        part,
        schema: '(conversation)',
        issues: [{ path: '/', message }],
      });
    const sent = (request as { frames?: unknown } | null)?.frames;
    const received = (response as { frames?: unknown } | null)?.frames;
    if (!Array.isArray(sent)) shape('request', 'must be {connection?, frames: [...], flow?}');
    if (!Array.isArray(received) || received.length === 0)
      shape('response', 'must be {frames: [...]} with every frame received, the greeting first');
    if (problems.length > 0) return problems;
    const schemas = this.#frameSchemas(provider);
    (sent as unknown[]).forEach((frame, index) => {
      if (typeof frame !== 'string')
        this.#validate(problems, description, `sent frames[${index}]`, schemas.client, frame);
    });
    (received as unknown[]).forEach((frame, index) =>
      this.#validate(problems, description, `frames[${index}]`, schemas.server, frame),
    );
    return problems;
  }

  #frameSchemas(provider: string) {
    const ws = this.#mesh.pacticipants.get(provider)?.ws;
    return { server: ws?.frameSchema, client: ws?.clientFrameSchema };
  }

  /** Checks `body` against the schema in `file`; with no file there is nothing to check. */
  #validate(
    problems: ExampleProblem[],
    interaction: string,
    part: string,
    file: string | undefined,
    body: unknown,
  ) {
    if (file === undefined) return;
    const issues = schemaFileCheck(file)(body);
    if (issues.length > 0)
      problems.push({ interaction, part, schema: this.#schemaName(file), issues });
  }

  /** `auth/token-response` for <root>/schemas/auth/token-response.json: how reports name a schema. */
  #schemaName(file: string): string {
    return relative(this.#mesh.root, file)
      .replace(/^schemas\//, '')
      .replace(/\.json$/, '');
  }
}

/** `"registers a user" response body (auth/token-response): /user/email must match format "email"` */
export function describeProblem(problem: ExampleProblem): string {
  const where = `"${problem.interaction}" ${problem.part} (${problem.schema})`;
  return formatIssues(problem.issues)
    .split('\n')
    .map((line) => `${where}: ${line}`)
    .join('\n');
}
