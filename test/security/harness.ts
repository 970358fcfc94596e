import pg from 'pg';
import WebSocket from 'ws';
import { errorCatalogue } from '../../src/errors/catalogue.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { FrameCase, HttpCase, HttpRequest } from './corpus.js';

// Runs cases against real services and says what went wrong, if anything: a
// 5xx, no answer within 20 s, a 4xx that is no problem (problem+json unless the
// service says otherwise) with a catalogue code, an accepted request that had
// to be refused, a row written (or changed) by a refused one, a secret echoed,
// a stored value that differs from the one accepted, another tenant's id
// answered unlike a missing one.

/** Long enough for a 2-core machine running the whole suite; a request that hangs still fails. */
export const ANSWER_TIMEOUT_MS = 20_000;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: Record<string, unknown> | undefined;
}

/**
 * Per table, its row count and the newest transaction that wrote a row still
 * there: an insert, an update or a delete that committed changes one of the
 * two; a rolled-back transaction changes neither. Reading no row contents
 * keeps it cheap when a table holds megabytes of pacts.
 */
export class Store {
  readonly #pool: pg.Pool;
  readonly #exclude: Set<string>;
  #sql: string | undefined;

  constructor(connectionString: string, exclude: string[] = []) {
    this.#pool = new pg.Pool({ connectionString, max: 1 });
    this.#exclude = new Set(['meshpact_migrations', ...exclude]);
  }

  async fingerprint(): Promise<Record<string, string>> {
    if (!this.#sql) {
      const { rows } = await this.#pool.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      const tables = rows.map((r) => r.tablename).filter((t) => !this.#exclude.has(t));
      this.#sql = `SELECT ${tables
        .map(
          (t) =>
            `(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM ${t}) AS ${t}`,
        )
        .join(', ')}`;
    }
    return (await this.#pool.query<Record<string, string>>(this.#sql)).rows[0]!;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

function changes(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((table) => before[table] !== after[table])
    .map((table) => {
      const [from] = before[table]!.split(':');
      const [to] = after[table]!.split(':');
      return from === to ? `${table} (a row changed)` : `${table} (${from} -> ${to} rows)`;
    });
}

/** A short, printable excerpt of an answer (bodies may hold 100 KB of what was sent). */
export function excerpt(text: string, max = 240): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(cut).slice(1, -1);
}

const describeRequest = (request: HttpRequest) =>
  `${request.method} ${excerpt(request.url, 120)}${request.body !== undefined ? ` body ${excerpt(request.body, 120)}` : ''}`;

export async function send(baseUrl: string, request: HttpRequest): Promise<Answer | string> {
  try {
    const response = await fetch(`${baseUrl}${request.url}`, {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      json,
    };
  } catch (error) {
    const name = (error as Error).name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`
      : `no answer: ${(error as Error).message} (${(error as { cause?: Error }).cause?.message ?? ''})`;
  }
}

/** How a service answers errors, where it differs from the services' problem+json with the catalogue's statuses. */
export interface ProblemRules {
  /** Problem members in another format on purpose (the broker's Pact Broker `errors`). */
  foreignMembers?: string[];
  /** The Content-Type (its start) an error answer to `request` must have; problem+json unless told. */
  mediaType?(request: HttpRequest): string;
  /** Codes answered with another status than the catalogue's on purpose (the broker's 400 validation_failed). */
  statuses?: Readonly<Record<string, number>>;
  /** What is wrong with the foreign members of the answer to `request`, if anything. */
  checkForeign?(json: Record<string, unknown>, request: HttpRequest): string | undefined;
}

/** What is wrong with a 4xx, if anything: it must be a problem (problem+json unless told) with a catalogue code of its status. */
function problemIssue(
  answer: Answer,
  request: HttpRequest,
  rules: ProblemRules,
): string | undefined {
  const mediaType = rules.mediaType?.(request) ?? 'application/problem+json';
  if (!answer.contentType.startsWith(mediaType))
    return `${answer.status} is not ${mediaType} (${answer.contentType || 'no content type'})`;
  const code = answer.json?.code;
  if (typeof code !== 'string') return `${answer.status} problem without a code`;
  const entry = (errorCatalogue as Record<string, { status: number } | undefined>)[code];
  if (!entry) return `code ${code} is not in the catalogue`;
  const status = rules.statuses?.[code] ?? entry.status;
  if (status !== answer.status)
    return `code ${code} is ${status}${status === entry.status ? ' in the catalogue' : ''}, answered ${answer.status}`;
  if (answer.json!.status !== answer.status)
    return `answered ${answer.status}, the problem says status ${String(answer.json!.status)}`;
  const foreign = rules.checkForeign?.(answer.json!, request);
  if (foreign !== undefined) return foreign;
  const foreignMembers = rules.foreignMembers ?? [];
  const own = Object.fromEntries(
    Object.entries(answer.json!).filter(([k]) => !foreignMembers.includes(k)),
  );
  const issues = schemaRegistry().validator('common/problem').issues(own);
  if (issues.length > 0) return `problem breaks common/problem: ${JSON.stringify(issues)}`;
  return undefined;
}

/** A lone surrogate stored as U+FFFD comes back changed. */
function mangled(sent: unknown, answer: string): boolean {
  if (typeof sent !== 'string' || !/[\ud800-\udfff]/u.test(sent)) return false;
  const replaced = sent.replace(/[\ud800-\udfff]/gu, '\ufffd');
  return replaced.length > 1 && answer.includes(JSON.stringify(replaced).slice(1, -1));
}

const withoutIds = (text: unknown) =>
  (typeof text === 'string' ? text : JSON.stringify(text ?? '')).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    '<id>',
  );

export interface Failure {
  route: string;
  name: string;
  problem: string;
  request: string;
  answer: string;
}

export const formatFailures = (failures: Failure[], total: number) =>
  `${failures.length} of ${total} cases failed:\n${failures
    .map(
      (f) =>
        `  ${f.route} › ${f.name}\n      ${f.problem}\n      sent   ${f.request}\n      answer ${f.answer}`,
    )
    .join('\n')}`;

/** Waits for whatever an accepted request started (a run) and says what went wrong with it. */
export type Settle = (
  c: HttpCase | FrameCase,
  answer: {
    status?: number;
    json?: Record<string, unknown> | undefined;
    frames?: Record<string, unknown>[];
  },
) => Promise<string | undefined>;

export class HttpProbe {
  readonly #baseUrl: string;
  readonly #store: Store;
  readonly #settle: Settle | undefined;
  readonly #problems: ProblemRules;
  #last: Record<string, string> | undefined;

  /** `options` other than `settle`: how this service's error answers differ (ProblemRules). */
  constructor(baseUrl: string, store: Store, options: { settle?: Settle } & ProblemRules = {}) {
    this.#baseUrl = baseUrl;
    this.#store = store;
    this.#settle = options.settle;
    this.#problems = options;
  }

  /** Runs one case; its failure, or undefined. */
  async run(c: HttpCase): Promise<Failure | undefined> {
    const before = (this.#last ??= await this.#store.fingerprint());
    const fail = (problem: string, answer: Answer | string) => ({
      route: c.route,
      name: c.name,
      problem,
      request: describeRequest(c.request),
      answer: typeof answer === 'string' ? answer : `${answer.status} ${excerpt(answer.text)}`,
    });
    const answer = await send(this.#baseUrl, c.request);
    let failure: Failure | undefined;
    let accepted = false;
    if (typeof answer === 'string') failure = fail(answer, answer);
    else if (answer.status >= 500) failure = fail(`answered ${answer.status}`, answer);
    else if (answer.status >= 400 || c.expect !== 'tolerated') {
      const issue =
        answer.status < 400
          ? `accepted (${answer.status}) what must be refused`
          : (problemIssue(answer, c.request, this.#problems) ??
            (c.noEcho && answer.text.includes(c.noEcho)
              ? 'the answer echoes the request body'
              : undefined));
      if (issue) failure = fail(issue, answer);
      else if (c.expect === 'same-as-missing' && c.twin) {
        const twin = await send(this.#baseUrl, c.twin);
        const shape = (a: Answer | string) =>
          typeof a === 'string'
            ? a
            : JSON.stringify({
                status: a.status,
                code: a.json?.code,
                title: a.json?.title,
                detail: withoutIds(a.json?.detail),
              });
        if (shape(answer) !== shape(twin))
          failure = fail(
            `another tenant's id is answered unlike a missing one: ${shape(twin)}`,
            answer,
          );
      }
    } else {
      accepted = true;
      if (mangled(c.sent, answer.text))
        failure = fail('accepted, but stored something else (U+FFFD)', answer);
      const settled = await this.#settle?.(c, { status: answer.status, json: answer.json });
      if (!failure && settled) failure = fail(settled, answer);
    }
    const after = await this.#store.fingerprint();
    this.#last = after;
    const written = changes(before, after);
    if (!failure && !accepted && written.length > 0)
      failure = fail(`wrote ${written.join(', ')}`, answer);
    return failure;
  }

  /** Runs cases one after another (the store's fingerprints tell each one's writes apart). */
  async runAll(cases: HttpCase[]): Promise<Failure[]> {
    const failures: Failure[] = [];
    for (const c of cases) {
      const failure = await this.run(c);
      if (failure) failures.push(failure);
    }
    return failures;
  }
}

type Frame = Record<string, unknown> & { type: string };
const successes = new Set(['subscribed', 'unsubscribed', 'run_accepted', 'pong']);

/** One /ws client, reopened whenever a case closes it. */
export class SocketProbe {
  readonly #url: string;
  readonly #token: () => string;
  readonly #store: Store;
  readonly #settle: Settle | undefined;
  #ws: WebSocket | undefined;
  #frames: Frame[] = [];
  #closed: number | undefined;
  #wake: (() => void) | undefined;
  #sync = 0;
  #last: Record<string, string> | undefined;

  constructor(url: string, token: () => string, store: Store, settle?: Settle) {
    this.#url = url;
    this.#token = token;
    this.#store = store;
    this.#settle = settle;
  }

  /** Opens the socket (cases open it on demand; a test may want it open before it changes the session). */
  async open(): Promise<void> {
    const ws = new WebSocket(this.#url, ['meshpact.v1', `bearer.${this.#token()}`]);
    this.#ws = ws;
    this.#frames = [];
    this.#closed = undefined;
    const validator = schemaRegistry().validator('events/server-frame');
    ws.on('message', (data: Buffer) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString('utf8')) as Frame;
      } catch {
        frame = { type: 'corpus_unparseable', text: data.toString('utf8') };
      }
      if (!validator.is(frame)) frame = { ...frame, corpus_breaks_schema: true };
      this.#frames.push(frame);
      this.#wake?.();
    });
    ws.on('close', (code) => {
      this.#closed = code;
      this.#wake?.();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await this.#until(() => this.#frames.some((f) => f.type === 'connection_established'));
  }

  async #until(done: () => boolean): Promise<boolean> {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  /** Sends a frame and a ping after it; the frames before the pong are the answer. */
  async #exchange(data: string | Buffer, closes?: number): Promise<Frame[] | string> {
    if (!this.#ws || this.#closed !== undefined) await this.open();
    const from = this.#frames.length;
    this.#ws!.send(data, { binary: Buffer.isBuffer(data) });
    if (closes !== undefined) {
      const closed = await this.#until(() => this.#closed !== undefined);
      const frames = this.#frames.slice(from);
      if (!closed)
        return `not closed with ${closes} within ${ANSWER_TIMEOUT_MS / 1000} s; frames ${excerpt(JSON.stringify(frames))}`;
      return this.#closed === closes ? frames : `closed with ${this.#closed}, not ${closes}`;
    }
    const id = `corpus-sync-${++this.#sync}`;
    this.#ws!.send(JSON.stringify({ type: 'ping', id }));
    const answered = await this.#until(
      () =>
        this.#closed !== undefined ||
        this.#frames.slice(from).some((f) => f.type === 'pong' && f.id === id),
    );
    const frames = this.#frames.slice(from).filter((f) => !(f.type === 'pong' && f.id === id));
    if (this.#closed !== undefined)
      return `closed the socket (${this.#closed}); frames ${excerpt(JSON.stringify(frames))}`;
    if (!answered)
      return `no answer within ${ANSWER_TIMEOUT_MS / 1000} s; frames ${excerpt(JSON.stringify(frames))}`;
    return frames;
  }

  async run(c: FrameCase): Promise<Failure | undefined> {
    const before = (this.#last ??= await this.#store.fingerprint());
    const answer = await this.#exchange(c.data, c.closes);
    const fail = (problem: string): Failure => ({
      route: c.route,
      name: c.name,
      problem,
      request: excerpt(Buffer.isBuffer(c.data) ? `(binary) ${c.data.toString()}` : c.data, 160),
      answer: typeof answer === 'string' ? answer : excerpt(JSON.stringify(answer)),
    });
    let failure: Failure | undefined;
    let accepted = false;
    if (typeof answer === 'string') failure = fail(answer);
    else if (answer.some((f) => f.corpus_breaks_schema))
      failure = fail('a frame breaks events/server-frame');
    else if (answer.some((f) => f.type === 'error' && f.code === 'internal_error'))
      failure = fail('an internal_error frame');
    else if (c.closes === undefined) {
      const errors = answer.filter((f) => f.type === 'error');
      accepted = answer.some((f) => successes.has(f.type));
      if (c.expect !== 'tolerated') {
        if (accepted) failure = fail('accepted what must be refused');
        else if (errors.length === 0) failure = fail('no error frame');
        else if (c.noEcho && JSON.stringify(errors).includes(c.noEcho))
          failure = fail('the error frame echoes the frame');
        else if (c.expect === 'same-as-missing' && c.twin !== undefined) {
          const twin = await this.#exchange(c.twin);
          const shape = (frames: Frame[] | string) =>
            typeof frames === 'string'
              ? frames
              : JSON.stringify(
                  frames
                    .filter((f) => f.type === 'error')
                    .map((f) => ({ code: f.code, message: withoutIds(f.message) })),
                );
          if (shape(twin) !== shape(errors))
            failure = fail(`another tenant's id is answered unlike a missing one: ${shape(twin)}`);
        }
      } else {
        if (accepted && mangled(c.sent, JSON.stringify(answer)))
          failure = fail('accepted, but answered something else (U+FFFD)');
        const settled = await this.#settle?.(c, { frames: answer });
        if (!failure && settled) failure = fail(settled);
      }
    }
    const after = await this.#store.fingerprint();
    this.#last = after;
    const written = changes(before, after);
    if (!failure && !accepted && written.length > 0) failure = fail(`wrote ${written.join(', ')}`);
    return failure;
  }

  async runAll(cases: FrameCase[]): Promise<Failure[]> {
    const failures: Failure[] = [];
    for (const c of cases) {
      const failure = await this.run(c);
      if (failure) failures.push(failure);
    }
    return failures;
  }

  close(): void {
    this.#ws?.close(1000);
  }
}
