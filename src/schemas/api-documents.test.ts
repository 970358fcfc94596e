import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, Parser, fromFile } from '@asyncapi/parser';

// The parser's enum and its diagnostics' come from two copies of @stoplight/types.
const errorSeverity = Number(DiagnosticSeverity.Error);
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { defaultSchemaDir, schemaIdBase } from './schema-files.js';

// The API documents reference the schema files; these parsers must resolve every
// reference (a broken one fails) and check every payload as JSON Schema 2020-12.

/** Resolves `https://meshpact.dev/schemas/...` ids (how schema files refer to each other) to files. */
function schemaFileResolver(schemaDir: string) {
  return {
    order: 1,
    canRead: (file: { url: string }) =>
      file.url.startsWith(schemaIdBase) || !/^https?:/i.test(file.url),
    read: (file: { url: string }) => {
      const url = file.url.split('#')[0] ?? '';
      if (url.startsWith(schemaIdBase))
        return readFileSync(join(schemaDir, url.slice(schemaIdBase.length)));
      return readFileSync(url.startsWith('file:') ? fileURLToPath(url) : decodeURIComponent(url));
    },
  };
}

async function validateOpenApi(path: string, schemaDir: string) {
  return validate(path, { resolve: { file: schemaFileResolver(schemaDir) } } as never);
}

/**
 * AsyncAPI's default schema format is a draft-07 dialect, and for 3.x documents
 * @asyncapi/parser only calls a schema parser's `parse`, so the checking happens there.
 */
function jsonSchema2020Parser() {
  const formats = [
    'application/schema+json;version=draft-2020-12',
    'application/schema+yaml;version=draft-2020-12',
  ];
  const problems = (schema: object): string[] => {
    // strict: false because the parser adds x-parser-* members to schema objects.
    const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
    addFormats.default(ajv);
    if (!ajv.validateSchema(schema)) {
      return (ajv.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    }
    try {
      ajv.compile(withoutInnerIds(schema) as object);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  };
  return {
    getMimeTypes: () => formats,
    validate: (input: { data: unknown; path: (string | number)[] }) =>
      Promise.resolve(
        problems(input.data as object).map((message) => ({ message, path: input.path })),
      ),
    parse: (input: { data: unknown; path: (string | number)[] }) => {
      const found = problems(input.data as object);
      if (found.length > 0) throw new Error(`${input.path.join('.')}: ${found.join('; ')}`);
      return Promise.resolve(input.data);
    },
  };
}

/** Payloads arrive with $refs inlined, so a schema used twice brings its $id twice; drop inner ids. */
function withoutInnerIds(node: unknown, root = true): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutInnerIds(item, false));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => root || (key !== '$id' && key !== '$schema'))
      .map(([key, value]) => [
        key,
        ['examples', 'const', 'enum'].includes(key) ? value : withoutInnerIds(value, false),
      ]),
  );
}

async function parseAsyncApi(path: string) {
  const parser = new Parser();
  parser.registerSchemaParser(jsonSchema2020Parser());
  const { document, diagnostics } = await fromFile(parser, path).parse();
  return { document, errors: diagnostics.filter((d) => Number(d.severity) === errorSeverity) };
}

/** A copy of schemas/ to break on purpose. */
function withCopy(use: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-schemas-'));
    try {
      cpSync(defaultSchemaDir(), dir, { recursive: true });
      await use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function edit(file: string, from: string, to: string) {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe('OpenAPI documents', () => {
  it.each(['auth', 'backend'])(
    '%s.yaml is valid OpenAPI 3.1 with every reference resolved',
    async (name) => {
      const result = await validateOpenApi(
        join(defaultSchemaDir(), `openapi/${name}.yaml`),
        defaultSchemaDir(),
      );
      expect(result.valid ? [] : result.errors).toEqual([]);
    },
    30_000,
  );

  it(
    'fail on a reference to a schema file that does not exist',
    withCopy(async (dir) => {
      edit(join(dir, 'openapi/auth.yaml'), '../auth/user.json', '../auth/no-such-user.json');
      const attempt = validateOpenApi(join(dir, 'openapi/auth.yaml'), dir).then((r) => r.valid);
      await expect(attempt).rejects.toThrow(/no-such-user\.json/);
    }),
    30_000,
  );
});

describe('AsyncAPI document', () => {
  it('events.yaml is valid AsyncAPI 3.0 describing every frame of /ws', async () => {
    const { document, errors } = await parseAsyncApi(
      join(defaultSchemaDir(), 'asyncapi/events.yaml'),
    );
    expect(errors).toEqual([]);
    const messages = document
      ?.allMessages()
      .all()
      .map((message) => message.payload()?.title());
    expect(messages?.sort()).toEqual([
      'AgentCompleted',
      'AgentStarted',
      'AgentThinking',
      'ConnectionEstablishedFrame',
      'ErrorFrame',
      'PingFrame',
      'PongFrame',
      'RunAcceptedFrame',
      'StartRunFrame',
      'SubscribeFrame',
      'SubscribedFrame',
      'ToolCompleted',
      'ToolExecuting',
      'UnsubscribeFrame',
      'UnsubscribedFrame',
    ]);
  }, 30_000);

  it(
    'fails on a broken reference',
    withCopy(async (dir) => {
      edit(join(dir, 'asyncapi/events.yaml'), '../events/ping.json', '../events/pingg.json');
      const { errors } = await parseAsyncApi(join(dir, 'asyncapi/events.yaml'));
      expect(errors.length).toBeGreaterThan(0);
    }),
    30_000,
  );

  it(
    'fails on a payload that is not valid JSON Schema 2020-12',
    withCopy(async (dir) => {
      edit(
        join(dir, 'events/ping.json'),
        '"additionalProperties": false',
        '"additionalProperties": 3',
      );
      const { errors } = await parseAsyncApi(join(dir, 'asyncapi/events.yaml'));
      expect(errors.map((e) => e.message).join('\n')).toMatch(/additionalProperties/);
    }),
    30_000,
  );
});
