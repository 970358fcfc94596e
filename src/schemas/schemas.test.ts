import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkExamples } from './examples-check.js';
import { schemaRegistry } from './registry.js';
import { type JsonSchema } from './schema-files.js';

interface InvalidDocument {
  schema: string;
  case: string;
  document: unknown;
  path: string;
}

const registry = schemaRegistry();
const invalidDocuments = JSON.parse(
  readFileSync(join(import.meta.dirname, '__fixtures__/invalid-documents.json'), 'utf8'),
) as InvalidDocument[];

/** Every object schema node with properties, with where it sits, across a schema file. */
function objectNodes(schema: unknown, at = '#'): { at: string; node: Record<string, unknown> }[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const found = 'properties' in node ? [{ at, node }] : [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' || key === 'const' || key === 'enum') continue;
    found.push(...objectNodes(value, `${at}/${key}`));
  }
  return found;
}

/** Schemas used as a base in another schema's allOf: open by design, closed by their users. */
const baseSchemas = new Set(
  registry.files
    .flatMap(
      (file) =>
        JSON.stringify(file.schema)
          .match(/"allOf":\[\{"\$ref":"[^"]+"/g)
          ?.map((m) => m.slice(18, -1)) ?? [],
    )
    .map((ref) => ref.replace(/^.*\//, '').replace(/\.json$/, '')),
);

describe('schemas/', () => {
  it('holds a schema for each wire message', () => {
    expect(registry.files.length).toBeGreaterThanOrEqual(40);
  });

  describe.each(registry.files.map((file) => [file.name, file.schema] as const))(
    '%s',
    (name: string, schema: JsonSchema) => {
      it('is a draft 2020-12 schema with an id, a title, a description and examples', () => {
        expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
        expect(schema.$id).toBe(`https://meshpact.dev/schemas/${name}.json`);
        expect(schema.title).toMatch(/^[A-Z][A-Za-z0-9]+$/);
        expect(typeof schema.description).toBe('string');
        expect(schema.examples?.length).toBeGreaterThan(0);
      });

      it('compiles in strict mode and accepts each of its examples', () => {
        const validator = registry.validatorFor(name);
        for (const example of schema.examples ?? []) expect(validator.issues(example)).toEqual([]);
      });

      it('decides on purpose whether unknown properties are allowed', () => {
        const undecided = objectNodes(schema).filter(
          ({ node }) =>
            !('additionalProperties' in node) &&
            !('unevaluatedProperties' in node) &&
            !baseSchemas.has(name.replace(/^.*\//, '')),
        );
        expect(undecided.map(({ at }) => at)).toEqual([]);
      });

      it('has hand-written invalid documents that it rejects', () => {
        expect(invalidDocuments.filter((d) => d.schema === name).length).toBeGreaterThanOrEqual(3);
      });
    },
  );

  it('checks every example in one pass, as `meshpact run` does', () => {
    const report = checkExamples(registry);
    expect(report.problems).toEqual([]);
    expect(report.schemas).toBe(registry.files.length);
  });
});

describe('invalid documents', () => {
  it.each(invalidDocuments.map((d) => [d.schema, d.case, d] as const))(
    '%s rejects: %s',
    (_schema, _case, { schema, document, path }) => {
      const issues = registry.validatorFor(schema).issues(document);
      expect(issues.map((issue) => issue.path)).toContain(path);
    },
  );

  it('cover every kind of mistake across the set', () => {
    const cases = invalidDocuments.map((d) => d.case.toLowerCase()).join('\n');
    for (const kind of ['missing', 'extra', 'type', 'format', 'enum']) {
      expect(cases).toContain(kind);
    }
  });
});
