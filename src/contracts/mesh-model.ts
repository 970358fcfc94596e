// The mesh as contracts/mesh.yaml describes it, after validation: the one
// model every command reads (verify, run, up, contracts). Paths are absolute;
// strings that may hold placeholders ({port}, {url}, {<pacticipant>.url},
// {secret:<name>}, {pacts}) are kept as written and filled in when used.

export type PacticipantKind = 'http' | 'message' | 'consumer';

/** How meshpact starts a service for verification (or `meshpact up`). */
export interface StartCommand {
  /** Run by `/bin/sh -c`, in a process group of its own, stopped as a whole. */
  command: string;
  /** Absolute; the manifest's root unless the entry names another folder. */
  cwd: string;
  /** Added to meshpact's own environment; values may hold placeholders. */
  env: Readonly<Record<string, string>>;
  /** `auto`: a free port, passed as PORT and as `{port}`; a number: that port. */
  port: 'auto' | number;
  /** The service is ready when GET <url><http> answers 2xx, within timeoutMs. */
  ready: { http: string; timeoutMs: number };
  /** `postgres`: a fresh database (embedded Postgres, or a scratch one on DATABASE_URL) in DATABASE_URL. */
  database?: 'postgres';
  /** After SIGTERM, how long before the process group gets SIGKILL. */
  stopTimeoutMs: number;
}

/** Pact's state-change protocol: POST {state, params, action: setup|teardown}. */
export interface StatesEndpoint {
  /** A path on the service (`/_pact/provider-states`) or an absolute URL. */
  url: string;
  /** Added to the service's environment only when it is started for verification. */
  env: Readonly<Record<string, string>>;
}

/** How a consumer writes its pacts: any command, and the folder it writes them to. */
export interface ContractTests {
  command: string;
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** Absolute; passed to the command as MESHPACT_PACT_DIR and `{pacts}`. */
  pacts: string;
}

/**
 * The order rules of a stream of frames, declared by a WebSocket provider in
 * its AsyncAPI document (`x-meshpact-flow`) or its manifest entry (`flow:`).
 */
export interface FlowRules {
  /** The frame field naming a frame's kind, e.g. `type`. */
  discriminator: string;
  /** Frames of one flow share this field's value, e.g. `run_id`; frames without it are not part of a flow. */
  groupBy: string;
  /** The only kind allowed first, once. */
  first?: string;
  /** The only kind allowed last, once. */
  last?: string;
  /** A field counting 1, 2, 3… within a flow with no gap. */
  sequence?: string;
  /** `open` must come before the `close` with the same `key` value, each once. */
  pairs: readonly { open: string; close: string; key: string }[];
}

export interface WebSocketEndpoint {
  /** A path on the served-by service (`/ws`) or an absolute ws:// or wss:// URL. */
  url: string;
  /** Every frame the server sends must match this JSON Schema (absolute path), when given. */
  frameSchema?: string;
  /** Every frame the client sends as JSON must match this JSON Schema (absolute path), when given. */
  clientFrameSchema?: string;
  flow?: FlowRules;
}

export interface Pacticipant {
  name: string;
  kind: PacticipantKind;
  /** Absolute path of the OpenAPI document of an HTTP provider, when it has one. */
  openapi?: string;
  /** Absolute path of the AsyncAPI document of a message provider, when it has one. */
  asyncapi?: string;
  /** For a message provider: the pacticipant whose service serves its messages. */
  servedBy?: string;
  /** Started by meshpact… */
  start?: StartCommand;
  /** …or already running here. */
  url?: string;
  states?: StatesEndpoint;
  /** For a WebSocket message provider. */
  ws?: WebSocketEndpoint;
  /** For a consumer (any pacticipant that consumes): how its pacts are written. */
  tests?: ContractTests;
}

export interface ContractPair {
  consumer: string;
  provider: string;
}

export interface Mesh {
  /** The manifest file, absolute. */
  file: string;
  /** The folder every relative path in the manifest is read from, absolute. */
  root: string;
  pacticipants: ReadonlyMap<string, Pacticipant>;
  contracts: readonly ContractPair[];
}
