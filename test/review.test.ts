import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerClient } from '../src/broker/client.js';
import { startBrokerForTest, type BrokerUnderTest } from '../src/broker/testing.js';
import { main } from '../src/cli/main.js';
import { captureIo } from '../src/cli/test-io.js';
import type { SchemaReview } from '../src/review/review.js';
import {
  backendAuthPact,
  baseSchemas,
  reviewRepo,
  webAppAuthPact,
  webAppEventsPact,
  type ReviewRepo,
} from './support/review-fixture.js';

// `meshpact review` on a team's repository made here: main holds the
// schemas, each test edits the working tree the way a pull request would,
// and the review must name the right change, verdict and consumers.

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   each case edits a schema's JSON in place, by the path a reader of the case sees in the schema */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let repo: ReviewRepo;
beforeAll(() => {
  repo = reviewRepo();
});
afterAll(() => repo.remove());
afterEach(() => repo.reset());

async function meshpact(args: string[], env: Record<string, string> = {}) {
  const { io, out, err } = captureIo(env);
  const status = await main(['node', 'meshpact', ...args], io);
  return { status, out, err };
}

async function review(...args: string[]) {
  const { status, out } = await meshpact([
    'review',
    '--base',
    'main',
    '--mesh',
    repo.meshFile,
    ...args,
  ]);
  return { status, out: out.join('\n') };
}

async function reviewJson(env: Record<string, string> = {}, ...args: string[]) {
  const { status, out, err } = await meshpact(
    ['review', '--base', 'main', '--mesh', repo.meshFile, '--json', ...args],
    env,
  );
  if (out.length === 0) throw new Error(`no review (exit ${status}): ${err.join('\n')}`);
  return { status, review: JSON.parse(out.join('\n')) as SchemaReview };
}

/** Edits schema files of the working tree: each edit gets main's version and changes it in place. */
function edit(edits: Record<string, (schema: Json) => unknown>) {
  const schemas = baseSchemas();
  for (const [key, change] of Object.entries(edits)) {
    const schema = schemas[key] as Json;
    change(schema);
    repo.write(key, schema);
  }
}

const summary = (r: SchemaReview) =>
  r.changes.map((c) => ({
    exchange: c.exchange,
    path: c.path,
    kind: c.kind,
    verdict: c.verdict,
    usedBy: [...new Set(c.usedBy.map((u) => u.consumer))],
  }));

interface Case {
  name: string;
  edits: Parameters<typeof edit>[0];
  expected: ReturnType<typeof summary>;
}

const cases: Case[] = [
  // What a service produces (responses, server frames): loosening breaks its readers.
  {
    name: 'a field removed from a response',
    edits: {
      'auth/token.json': (s) => {
        delete s.properties.refresh_token;
        s.required = ['access_token', 'expires_in', 'user'];
      },
    },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/refresh_token',
        kind: 'field-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a response field made optional',
    edits: { 'auth/token.json': (s) => (s.required = ['access_token', 'refresh_token', 'user']) },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/expires_in',
        kind: 'field-now-optional',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a response field made nullable, through a $ref to another file',
    edits: { 'auth/user.json': (s) => (s.properties.email.type = ['string', 'null']) },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/user/email',
        kind: 'type-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
      {
        exchange: 'GET /auth/me 200',
        path: '/email',
        kind: 'type-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a response type widened',
    edits: { 'auth/token.json': (s) => (s.properties.expires_in.type = 'number') },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/expires_in',
        kind: 'type-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a response enum widened',
    edits: { 'auth/user.json': (s) => void s.properties.role.enum.push('owner') },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/user/role',
        kind: 'enum-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
      {
        exchange: 'GET /auth/me 200',
        path: '/role',
        kind: 'enum-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a format loosened at the end of a $ref chain (token → user → common/id), read by both consumers',
    edits: { 'common/id.json': (s) => delete s.format },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/user/id',
        kind: 'format-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
      {
        exchange: 'POST /auth/introspect 200',
        path: '/sub',
        kind: 'format-loosened',
        verdict: 'breaks',
        usedBy: ['backend-api'],
      },
      {
        exchange: 'GET /auth/me 200',
        path: '/id',
        kind: 'format-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a numeric bound loosened',
    edits: { 'auth/token.json': (s) => delete s.properties.expires_in.maximum },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/expires_in',
        kind: 'bound-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a length bound loosened in a nested array',
    edits: { 'auth/user.json': (s) => (s.properties.tags.items.maxLength = 40) },
    expected: [
      {
        exchange: 'POST /auth/login 200',
        path: '/user/tags/[]',
        kind: 'bound-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
      {
        exchange: 'GET /auth/me 200',
        path: '/tags/[]',
        kind: 'bound-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a format loosened in the part of an allOf',
    edits: { 'auth/me.json': (s) => delete s.allOf[1].properties.last_login.format },
    expected: [
      {
        exchange: 'GET /auth/me 200',
        path: '/last_login',
        kind: 'format-loosened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a oneOf variant added to a server frame',
    edits: {
      'events/frames.json': (s) =>
        void s.$defs.progress.properties.result.oneOf.push({ type: 'boolean' }),
    },
    expected: [
      {
        exchange: 'progress',
        path: '/result',
        kind: 'variant-added',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a server frame field made nullable in an array of arrays',
    edits: {
      'events/frames.json': (s) =>
        (s.$defs.progress.properties.steps.items.properties.items.items.properties.done.type = [
          'boolean',
          'null',
        ]),
    },
    expected: [
      {
        exchange: 'progress',
        path: '/steps/[]/items/[]/done',
        kind: 'type-widened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a closed server frame opened (unevaluatedProperties)',
    edits: { 'events/frames.json': (s) => delete s.$defs.pong.unevaluatedProperties },
    expected: [
      {
        exchange: 'pong',
        path: '/',
        kind: 'extra-fields-allowed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  // What a service accepts (requests, client frames): tightening breaks its writers.
  {
    name: 'a required field added to a request',
    edits: {
      'auth/login-request.json': (s) => {
        s.properties.client_id = { type: 'string' };
        s.required.push('client_id');
      },
    },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/client_id',
        kind: 'field-now-required',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a request bound tightened',
    edits: { 'auth/login-request.json': (s) => (s.properties.password.minLength = 12) },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/password',
        kind: 'bound-tightened',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'an accepted field removed from a closed request',
    edits: {
      'auth/login-request.json': (s) => {
        delete s.properties.password;
        s.required = ['email'];
      },
    },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/password',
        kind: 'field-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a request type narrowed that no consumer sends',
    edits: { 'auth/login-request.json': (s) => (s.properties.remember.type = 'boolean') },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/remember',
        kind: 'type-narrowed',
        verdict: 'unused',
        usedBy: [],
      },
    ],
  },
  {
    name: 'a request enum narrowed that no consumer sends',
    edits: { 'auth/login-request.json': (s) => (s.properties.mode.enum = ['password']) },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/mode',
        kind: 'enum-narrowed',
        verdict: 'unused',
        usedBy: [],
      },
    ],
  },
  {
    name: 'a required field added to a client frame',
    edits: {
      'events/frames.json': (s) => {
        s.$defs.ping.properties.nonce = { type: 'string' };
        s.$defs.ping.required.push('nonce');
      },
    },
    expected: [
      {
        exchange: 'ping',
        path: '/nonce',
        kind: 'field-now-required',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  // Gone: an operation, a status, a message.
  {
    name: 'a status code removed',
    edits: { 'openapi/auth.yaml': (s) => delete s.paths['/auth/login'].post.responses['401'] },
    expected: [
      {
        exchange: 'POST /auth/login 401',
        path: '/',
        kind: 'exchange-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'an operation removed',
    edits: { 'openapi/auth.yaml': (s) => delete s.paths['/auth/sessions/{id}'] },
    expected: [
      {
        exchange: 'DELETE /auth/sessions/{id} 204',
        path: '/',
        kind: 'exchange-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a channel message removed',
    edits: {
      'asyncapi/events.yaml': (s) => {
        delete s.operations.sendPong;
        delete s.components.messages.pong;
      },
    },
    expected: [
      {
        exchange: 'pong',
        path: '/',
        kind: 'exchange-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a variant removed from the server frame schema of the manifest',
    edits: { 'events/server-frame.json': (s) => void s.oneOf.shift() },
    expected: [
      {
        exchange: 'pong',
        path: '/',
        kind: 'exchange-removed',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  // Parameters: accepted, in their place.
  {
    name: 'a query parameter made required',
    edits: { 'openapi/auth.yaml': (s) => (s.paths['/auth/me'].get.parameters[0].required = true) },
    expected: [
      {
        exchange: 'GET /auth/me query parameters',
        path: '/fields',
        kind: 'field-now-required',
        verdict: 'breaks',
        usedBy: ['web-app'],
      },
    ],
  },
  {
    name: 'a path parameter renamed, which is no change',
    edits: {
      'openapi/auth.yaml': (s) => {
        s.paths['/auth/sessions/{id}'].parameters[0].name = 'session_id';
        s.paths['/auth/sessions/{session_id}'] = s.paths['/auth/sessions/{id}'] as Json;
        delete s.paths['/auth/sessions/{id}'];
      },
    },
    expected: [],
  },
  // Nobody can break.
  {
    name: 'compatible changes: a response field and a request field added, a request field made optional, an operation added',
    edits: {
      'auth/token.json': (s) => (s.properties.scope = { type: 'string' }),
      'auth/login-request.json': (s) => {
        s.properties.device = { type: 'string' };
        s.required = ['email'];
      },
      'openapi/auth.yaml': (s) =>
        (s.paths['/auth/logout'] = { post: { responses: { '204': { description: 'out' } } } }),
    },
    expected: [
      {
        exchange: 'POST /auth/login request',
        path: '/password',
        kind: 'field-now-optional',
        verdict: 'compatible',
        usedBy: ['web-app'],
      },
      {
        exchange: 'POST /auth/login request',
        path: '/device',
        kind: 'field-added',
        verdict: 'compatible',
        usedBy: [],
      },
      {
        exchange: 'POST /auth/login 200',
        path: '/scope',
        kind: 'field-added',
        verdict: 'compatible',
        usedBy: [],
      },
      {
        exchange: 'POST /auth/logout 204',
        path: '/',
        kind: 'exchange-added',
        verdict: 'compatible',
        usedBy: [],
      },
    ],
  },
];

describe('meshpact review, change by change', () => {
  it.each(cases)('$name', async ({ edits, expected }) => {
    edit(edits);
    const { status, review } = await reviewJson();
    expect(summary(review)).toEqual(expect.arrayContaining(expected));
    expect(review.changes).toHaveLength(expected.length);
    const breaks = expected.some((c) => c.verdict === 'breaks');
    expect(status).toBe(breaks ? 1 : 0);
    expect(review.breaksConsumers).toBe(breaks);
    expect(review.unverified).toBe(false);
  });
});

describe('meshpact review, consumers', () => {
  it('names web-app as broken by a removed field and backend-api as not using it', async () => {
    edit({
      'auth/token.json': (s) => {
        delete s.properties.refresh_token;
        s.required = ['access_token', 'expires_in', 'user'];
      },
    });
    const { status, out } = await review();
    expect(status).toBe(1);
    expect(out).toMatch(
      /^BREAKS +openapi\/auth\.yaml +POST \/auth\/login 200 +\/refresh_token +field-removed: refresh_token removed +web-app$/m,
    );
    expect(out).toContain(
      '  used by web-app: "a login with the right password" (reads /refresh_token)',
    );
    expect(out).toContain('  not used by backend-api');
    expect(out).toMatch(
      /^ {2}backend-api -> auth-service: 1 interaction, from backend-api's contract tests at main$/m,
    );
    expect(out.split('\n').at(-1)).toBe(
      '1 breaking change in use by web-app; 0 breaking but unused (safe to ship); 0 compatible (since main)',
    );
  });

  it('shows a breaking change nobody uses as safe to ship, with the pacts that show it, and exits 0', async () => {
    edit({ 'auth/login-request.json': (s) => (s.properties.mode.enum = ['password']) });
    const { status, out } = await review();
    expect(status).toBe(0);
    expect(out).toContain(
      'UNUSED openapi/auth.yaml POST /auth/login request /mode: values "password", "otp" → "password"',
    );
    expect(out).toContain('  not used by web-app, backend-api');
    expect(out.split('\n').at(-1)).toBe(
      'no breaking change is in use; 1 breaking but unused (safe to ship); 0 compatible (since main)',
    );
  });

  it('writes the Markdown for a pull request comment, escaping what the pacts say', async () => {
    edit({ 'auth/token.json': (s) => (s.required = ['access_token', 'refresh_token', 'user']) });
    const { status, out } = await review('--markdown');
    expect(status).toBe(1);
    expect(out).toContain('## Schema review: ❌ a change breaks a consumer that uses it');
    expect(out).toContain(
      '| ❌ breaks | openapi/auth.yaml `POST /auth/login 200` | `/expires_in` | field-now-optional: expires\\_in now optional | web-app: "a login with the right password" (reads /expires\\_in) | backend-api |',
    );
    expect(out).toContain('<details><summary>Pacts read (3)</summary>');
  });

  it('reports no change when the working tree is main', async () => {
    const { status, review: r } = await reviewJson();
    expect(status).toBe(0);
    expect(r.changes).toEqual([]);
    expect(r.pacts.map((p) => `${p.consumer} -> ${p.provider}`).sort()).toEqual([
      'backend-api -> auth-service',
      'web-app -> auth-service',
      'web-app -> events',
    ]);
  });
});

describe('meshpact review, bad usage', () => {
  it('refuses an unknown ref in one plain line, exit 2', async () => {
    const { status, err } = await meshpact([
      'review',
      '--base',
      'no-such-branch',
      '--mesh',
      repo.meshFile,
    ]);
    expect(status).toBe(2);
    expect(err).toEqual([`meshpact: unknown git ref "no-such-branch" in ${repo.team}`]);
  });

  it('refuses a ref git would read as an option', async () => {
    const { status, err } = await meshpact([
      'schema',
      'diff',
      '--base=--output=x',
      '--mesh',
      repo.meshFile,
    ]);
    expect(status).toBe(2);
    expect(err).toEqual(['meshpact: not a git ref: "--output=x"']);
  });

  it('needs --base', async () => {
    const { status, err } = await meshpact(['review', '--mesh', repo.meshFile]);
    expect(status).toBe(2);
    expect(err[0]).toBe("error: required option '--base <ref>' not specified");
  });
});

describe('where meshpact review reads the pacts', () => {
  const removeRefreshToken = () =>
    edit({
      'auth/token.json': (s) => {
        delete s.properties.refresh_token;
        s.required = ['access_token', 'expires_in', 'user'];
      },
    });

  it("runs the consumers' contract tests as they are at --base, in a snapshot it removes after", async () => {
    removeRefreshToken();
    // The change under review also stops web-app reading the field; main's web-app still reads it.
    repo.writeConsumerPact('web-app-auth-service.json', webAppAuthPact(false));
    const scratch = mkdtempSync(join(tmpdir(), 'meshpact-review-tmp-'));
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      const { status, out, err } = await meshpact([
        'schema',
        'diff',
        '--base',
        'main',
        '--mesh',
        repo.meshFile,
        '--json',
      ]);
      expect(err).toEqual([
        "meshpact: running the consumers' contract tests at main to write the pacts the review reads",
      ]);
      expect(status).toBe(1);
      const r = JSON.parse(out.join('\n')) as SchemaReview;
      expect(r.changes).toMatchObject([
        { exchange: 'POST /auth/login 200', verdict: 'breaks', usedBy: [{ consumer: 'web-app' }] },
      ]);
      expect(r.pacts.map((p) => p.source).sort()).toEqual([
        "backend-api's contract tests at main",
        "web-app's contract tests at main",
        "web-app's contract tests at main",
      ]);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      process.env.TMPDIR = tmp;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('reads the pact files of --pact-dir instead', async () => {
    removeRefreshToken();
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-review-pacts-'));
    try {
      writeFileSync(join(dir, 'web-app-auth-service.json'), JSON.stringify(webAppAuthPact(false)));
      writeFileSync(join(dir, 'backend-api-auth-service.json'), JSON.stringify(backendAuthPact()));
      const { status, review: r } = await reviewJson({}, '--pact-dir', dir);
      expect(status).toBe(0);
      expect(r.changes).toMatchObject([
        { exchange: 'POST /auth/login 200', verdict: 'unused', usedBy: [] },
      ]);
      expect(r.pacts.map((p) => p.source)).toEqual([
        join(dir, 'backend-api-auth-service.json'),
        join(dir, 'web-app-auth-service.json'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls a breaking change of a provider nobody consumes unused, and exits 0', async () => {
    edit({
      'openapi/billing.yaml': (s) =>
        (s.paths['/invoices/{id}'].get.responses['200'].content[
          'application/json'
        ].schema.required = []),
    });
    const { status, review: r } = await reviewJson();
    expect(r.changes).toMatchObject([
      {
        exchange: 'GET /invoices/{id} 200',
        path: '/id',
        verdict: 'unused',
        providers: ['billing'],
        usedBy: [],
      },
    ]);
    expect(status).toBe(0);
  });

  it('calls a breaking change of a provider whose consumers sent no pact unverified, not safe, and exits 1', async () => {
    edit({ 'events/frames.json': (s) => (s.$defs.pong.properties.at.type = ['string', 'null']) });
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-review-pacts-'));
    try {
      writeFileSync(join(dir, 'web-app-auth-service.json'), JSON.stringify(webAppAuthPact()));
      const { status, review: r } = await reviewJson({}, '--pact-dir', dir);
      expect(status).toBe(1);
      expect(r.changes).toMatchObject([
        {
          exchange: 'pong',
          path: '/at',
          verdict: 'unverified',
          providers: ['events'],
          usedBy: [],
          notUsedBy: [],
        },
      ]);
      expect(r.breaksConsumers).toBe(false);
      expect(r.unverified).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --pact-dir that does not exist', async () => {
    const { status, err } = await meshpact([
      'review',
      '--base',
      'main',
      '--mesh',
      repo.meshFile,
      '--pact-dir',
      '/no/such/dir',
    ]);
    expect(status).toBe(2);
    expect(err).toEqual(['meshpact: no pact directory at /no/such/dir']);
  });
});

describe('meshpact review with the broker as the pact source', () => {
  let broker: BrokerUnderTest;
  beforeAll(async () => {
    broker = await startBrokerForTest();
    const client = new BrokerClient({ baseUrl: broker.url });
    const publish = (
      pacticipant: string,
      version: string,
      pacts: { provider: string; content: unknown }[],
    ) =>
      client.publish({
        pacticipant,
        version,
        branch: 'main',
        pacts: pacts.map((p) => ({ consumer: pacticipant, ...p })),
      });
    // web-app 1.0.0, in production, still reads refresh_token; 2.0.0 on main no longer does.
    await publish('web-app', '1.0.0', [
      { provider: 'auth-service', content: webAppAuthPact(true) },
      { provider: 'events', content: webAppEventsPact() },
    ]);
    await publish('web-app', '2.0.0', [
      { provider: 'auth-service', content: webAppAuthPact(false) },
      { provider: 'events', content: webAppEventsPact() },
    ]);
    await publish('backend-api', '7.0.0', [
      { provider: 'auth-service', content: backendAuthPact() },
    ]);
    const created = await fetch(`${broker.url}/environments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'production', production: true }),
    });
    expect(created.status).toBe(201);
    await client.recordDeployment({
      pacticipant: 'web-app',
      version: '1.0.0',
      environment: 'production',
    });
  }, 120_000);
  afterAll(() => broker?.close());

  it('reads the latest pact on main and every deployed one, and names the deployed version a removal breaks', async () => {
    edit({
      'auth/token.json': (s) => {
        delete s.properties.refresh_token;
        s.required = ['access_token', 'expires_in', 'user'];
      },
    });
    const { status, review: r } = await reviewJson({ PACT_BROKER_BASE_URL: broker.url });
    expect(status).toBe(1);
    const [removed] = r.changes;
    expect(removed).toMatchObject({
      exchange: 'POST /auth/login 200',
      verdict: 'breaks',
      usedBy: [
        { consumer: 'web-app', version: '1.0.0', interaction: 'a login with the right password' },
      ],
    });
    expect(removed?.notUsedBy).toEqual(
      expect.arrayContaining([
        { consumer: 'web-app', version: '2.0.0' },
        { consumer: 'backend-api', version: '7.0.0' },
      ]),
    );
    expect(r.pacts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          consumer: 'web-app',
          version: '1.0.0',
          provider: 'auth-service',
          source: `${broker.url}: deployed to production`,
        }),
        expect.objectContaining({
          consumer: 'web-app',
          version: '2.0.0',
          provider: 'auth-service',
          source: `${broker.url}: latest from main branch (main)`,
        }),
      ]),
    );
  });
});
