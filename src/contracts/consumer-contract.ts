import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { MatchersV3, PactV4, SpecificationVersion } from '@pact-foundation/pact';
import { getFfiLib } from '@pact-foundation/pact-core';
import { Agent, setGlobalDispatcher } from 'undici';
import { packageRoot } from '../runtime/paths.js';
import type { Mesh } from './mesh-model.js';
import { loadMesh } from './mesh.js';
import { ContractSchemaCheck, describeProblem, type ExampleProblem } from './schema-check.js';

// The one seam between consumer tests and Pact: tests describe interactions in
// meshpact's terms, and every example is checked against schemas/ before Pact
// records it, so a contract that disagrees with a schema fails at its source.

// Every interaction gets a fresh mock server on a random port, and the OS
// reuses ports. A kept-alive connection to a closed server on the same port
// would then swallow the next request (a POST is never retried), which Pact
// can only report as "expected but not received". In contract tests each
// request therefore opens its own connection.
setGlobalDispatcher(new Agent({ pipelining: 0 }));

/** Pact matchers for contract examples: shape and meaning, not incidental values. */
export const match = {
  like: MatchersV3.like,
  eachLike: MatchersV3.eachLike,
  atLeastOneLike: MatchersV3.atLeastOneLike,
  regex: MatchersV3.regex,
  uuid: MatchersV3.uuid,
  datetime: MatchersV3.datetime,
  timestamp: MatchersV3.timestamp,
  integer: MatchersV3.integer,
  decimal: MatchersV3.decimal,
  number: MatchersV3.number,
  string: MatchersV3.string,
  boolean: MatchersV3.boolean,
  nullValue: MatchersV3.nullValue,
  includes: MatchersV3.includes,
  fromProviderState: MatchersV3.fromProviderState,
};

/**
 * A Content-Type of this media type, with or without parameters (charset…).
 * Pact's verifier matches a header regex against the whole value, so the
 * parameters must be allowed for explicitly.
 */
export const mediaType = (type: string) =>
  MatchersV3.regex(
    `^${type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(;.*)?$`,
    `${type}; charset=utf-8`,
  );

/** An RFC 3339 UTC timestamp with milliseconds, as the services write them. */
export const iso8601 = (example = '2026-01-02T03:04:05.678Z') =>
  MatchersV3.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.source, example);

/** Parameters of a provider state: JSON values, as Pact carries them to the provider. */
export type StateParams = NonNullable<Parameters<ReturnType<PactV4['addInteraction']>['given']>[1]>;

export type ProviderState = string | { name: string; params: StateParams };

export interface HttpInteraction {
  states?: ProviderState[];
  description: string;
  request: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string | MatchersV3.Matcher<string>;
    query?: Record<string, string | MatchersV3.Matcher<string>>;
    headers?: Record<string, string | MatchersV3.Matcher<string>>;
    body?: unknown;
  };
  response: {
    status: number;
    headers?: Record<string, string | MatchersV3.Matcher<string>>;
    body?: unknown;
  };
}

/**
 * A WebSocket conversation (docs/websocket-contracts.md): what the client
 * sends once the socket is open and every frame it receives, in order. Written
 * as a V4 synchronous message: request `{connection, frames, flow?}`, one
 * response `{frames}`.
 */
export interface Conversation {
  states?: ProviderState[];
  description: string;
  /** How to connect; every part optional (the path defaults to the provider's endpoint). */
  connection?: {
    path?: string;
    subprotocols?: (string | MatchersV3.Matcher<string>)[];
    headers?: Record<string, string | MatchersV3.Matcher<string>>;
  };
  /** Client frames in order. A string is sent verbatim as text (so a frame broken on purpose is written as its text); any other value as its JSON. */
  send: unknown[];
  /** Every frame the client receives from the moment the socket opens, in order, the greeting included. */
  receive: unknown[];
  /** The flows in this conversation may be cut short on purpose (a replay after a seq). */
  partialFlows?: boolean;
}

/** A conversation's example as the client under test sees it: matchers replaced by their examples. */
export interface ConversationExample {
  connection: NonNullable<Conversation['connection']>;
  send: unknown[];
  receive: unknown[];
}

export interface ConsumerContractOptions {
  consumer: string;
  provider: string;
  /** Where the pact file goes: MESHPACT_PACT_DIR, or else contracts/pacts. */
  dir?: string;
  /** The mesh whose schemas the examples are checked by: the manifest by default. */
  mesh?: Mesh;
}

export class ContractExampleError extends Error {
  readonly problems: ExampleProblem[];

  constructor(problems: ExampleProblem[]) {
    super(`a contract example breaks its schema:\n${problems.map(describeProblem).join('\n')}`);
    this.name = 'ContractExampleError';
    this.problems = problems;
  }
}

/**
 * The pact between one consumer and one provider. Its pact file is written
 * afresh by the test file that owns the pair (contracts/mesh.yaml names it),
 * so interactions removed from the tests leave the contract too.
 */
export class ConsumerContract {
  readonly #pact: PactV4;
  readonly #check: ContractSchemaCheck;
  readonly #provider: string;
  readonly descriptions: string[] = [];

  constructor(options: ConsumerContractOptions) {
    const dir =
      options.dir ?? process.env.MESHPACT_PACT_DIR ?? join(packageRoot(), 'contracts/pacts');
    rmSync(join(dir, `${options.consumer}-${options.provider}.json`), { force: true });
    this.#pact = new PactV4({
      consumer: options.consumer,
      provider: options.provider,
      dir,
      spec: SpecificationVersion.SPECIFICATION_VERSION_V4,
      logLevel: 'warn',
    });
    this.#check = new ContractSchemaCheck(options.mesh ?? loadMesh());
    this.#provider = options.provider;
  }

  /** Records an HTTP interaction and runs `test` against Pact's mock server for it. */
  async http<T>(interaction: HttpInteraction, test: (baseUrl: string) => Promise<T>): Promise<T> {
    const { request, response } = interaction;
    const problems = this.#check.http(this.#provider, {
      description: interaction.description,
      method: request.method,
      path: MatchersV3.reify(request.path) as string,
      requestBody: request.body === undefined ? undefined : MatchersV3.reify(request.body),
      status: response.status,
      responseBody: response.body === undefined ? undefined : MatchersV3.reify(response.body),
    });
    if (problems.length > 0) throw new ContractExampleError(problems);

    const builder = given(this.#pact.addInteraction(), interaction.states);
    this.descriptions.push(interaction.description);
    let result: T | undefined;
    let testError: unknown;
    try {
      await builder
        .uponReceiving(interaction.description)
        .withRequest(request.method, request.path, (b) => {
          if (request.query) b.query(request.query);
          if (request.headers) b.headers(request.headers);
          if (request.body !== undefined) b.jsonBody(request.body);
        })
        .willRespondWith(response.status, (b) => {
          if (response.headers) b.headers(response.headers);
          if (response.body !== undefined) b.jsonBody(response.body);
        })
        .executeTest(async (server) => {
          await accepting(server.url);
          try {
            result = await test(server.url);
          } catch (error) {
            testError = error;
            throw error;
          }
          await recorded(server.port);
        });
    } catch (error) {
      // Pact reports the mock server's view ("expected but not received");
      // what the client itself ran into says why.
      if (testError !== undefined && testError !== error)
        throw new Error(
          `${(error as Error).message}\nThe client under test failed with: ${describeError(testError)}`,
          {
            cause: error,
          },
        );
      throw error;
    }
    return result as T;
  }

  /**
   * Records a conversation and hands its example (what the client sends and
   * receives) to `test`, which drives the consumer's real frame handling with it.
   */
  async conversation<T>(
    interaction: Conversation,
    test: (example: ConversationExample) => Promise<T> | T,
  ): Promise<T> {
    const request = {
      ...(interaction.connection ? { connection: interaction.connection } : {}),
      frames: interaction.send,
      ...(interaction.partialFlows ? { flow: 'partial' } : {}),
    };
    const response = { frames: interaction.receive };
    const problems = this.#check.conversation(
      this.#provider,
      interaction.description,
      MatchersV3.reify(request),
      MatchersV3.reify(response),
    );
    if (problems.length > 0) throw new ContractExampleError(problems);

    const builder = given(
      this.#pact.addSynchronousInteraction(interaction.description),
      interaction.states,
    );
    this.descriptions.push(interaction.description);
    let result: T | undefined;
    await builder
      .withRequest((b) => b.withJSONContent(request))
      .withResponse((b) => b.withJSONContent(response))
      .executeTest(async (message) => {
        // Pact hands over the examples as JSON bytes, matchers already replaced.
        const json = (contents: { content: unknown } | undefined) =>
          JSON.parse(String(contents?.content)) as { connection?: object; frames: unknown[] };
        const sent = json(message.Request);
        result = await test({
          connection: sent.connection ?? {},
          send: sent.frames,
          receive: json(message.Response[0]).frames,
        });
      });
    return result as T;
  }
}

/** Adds provider states, in order, to an HTTP interaction or a conversation. */
function given<B extends { given(state: string, params?: StateParams): B }>(
  builder: B,
  states: ProviderState[] = [],
): B {
  return states.reduce(
    (b, state) => (typeof state === 'string' ? b.given(state) : b.given(state.name, state.params)),
    builder,
  );
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${describeError(error.cause)})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/**
 * Resolves once Pact's mock server has recorded the requests it expected.
 * Its 2.x mock server (pact-core 19) records a matched request on another task
 * after it has answered, so right after the client's last response Pact could
 * read "expected but not received" for a request the client sent and got its
 * answer to (pact-core-mock-server#13); under load that failed about one
 * contract run in three. A request that really is missing or wrong is waited
 * for until the bound, then Pact reports it.
 */
async function recorded(port: number, boundMs = 5_000): Promise<void> {
  const ffi = getFfiLib();
  const deadline = Date.now() + boundMs;
  while (!ffi.pactffiMockServerMatched(port) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Resolves once the mock server accepts a connection. Under load the first
 * request of a test could otherwise race the server's start and be lost,
 * which Pact then reports only as "expected but not received".
 */
async function accepting(url: string, attempts = 50): Promise<void> {
  const { hostname, port } = new URL(url);
  for (let attempt = 1; ; attempt++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected || attempt === attempts) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
