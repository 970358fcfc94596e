import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { validationFailed, type ValidationIssue } from '../errors/meshpact-error.js';
import { readSchemaFiles, type SchemaFile } from './schema-files.js';
import type { SchemaTypes } from './types.generated.js';

export type SchemaName = keyof SchemaTypes;

export interface Validator<T> {
  readonly name: string;
  /** True when `data` matches; a type guard. */
  is(data: unknown): data is T;
  /** Every problem with `data`, or an empty list when it matches. */
  issues(data: unknown): ValidationIssue[];
  /** Returns `data` typed, or throws a `validation_failed` MeshpactError naming each problem. */
  assert(data: unknown, what?: string): T;
}

export interface SchemaRegistry {
  /** Every schema file, sorted by name. */
  readonly files: readonly SchemaFile[];
  validator<N extends SchemaName>(name: N): Validator<SchemaTypes[N]>;
  /** For names only known at run time (a pact's frame type, a file on disk). */
  validatorFor(name: string): Validator<unknown>;
}

/**
 * One ajv (JSON Schema 2020-12, with formats) holding every schema in schemas/.
 * Schemas are added once and compiled on first use, so a process that checks
 * one message does not pay for compiling all of them.
 */
export function createSchemaRegistry(dir?: string): SchemaRegistry {
  const files = readSchemaFiles(dir);
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: true });
  addFormats.default(ajv);
  const ids = new Map<string, string>();
  for (const file of files) {
    ajv.addSchema(file.schema);
    ids.set(file.name, file.schema.$id);
  }
  const cache = new Map<string, Validator<unknown>>();

  const validatorFor = (name: string): Validator<unknown> => {
    let validator = cache.get(name);
    if (!validator) {
      const id = ids.get(name);
      if (!id) throw new Error(`no schema named "${name}" in schemas/`);
      validator = wrap(name, ajv.getSchema(id) as ValidateFunction);
      cache.set(name, validator);
    }
    return validator;
  };

  return {
    files,
    validatorFor,
    validator: <N extends SchemaName>(name: N) => validatorFor(name) as Validator<SchemaTypes[N]>,
  };
}

let shared: SchemaRegistry | undefined;

/** The registry of the package's own schemas/, created on first use and kept for the process. */
export function schemaRegistry(): SchemaRegistry {
  return (shared ??= createSchemaRegistry());
}

function wrap(name: string, validate: ValidateFunction): Validator<unknown> {
  const issues = (data: unknown) => (validate(data) ? [] : toIssues(validate.errors ?? []));
  return {
    name,
    is: (data): data is unknown => validate(data),
    issues,
    assert(data, what = name) {
      const found = issues(data);
      if (found.length > 0) throw validationFailed(what, found);
      return data;
    },
  };
}

/**
 * ajv's errors as `{path, message}` a person can act on: a missing or
 * forbidden property, or one whose name is not allowed, is reported at the
 * property's own path, enums list their values, and the wrapper errors that
 * only repeat another (`if`, `propertyNames`) are dropped.
 */
export function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    // Both only wrap the error that says what is wrong (a `then` branch, one bad property name).
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const issue = toIssue(error);
    const key = `${issue.path} ${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function toIssue(error: ErrorObject): ValidationIssue {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  // A property name that breaks `propertyNames` is reported at that property.
  if (error.propertyName !== undefined)
    return {
      path: `${at}/${error.propertyName.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      message: `is not an allowed name: ${error.message ?? `fails ${error.keyword}`}`,
    };
  switch (error.keyword) {
    case 'required':
      return { path: `${at}/${String(params.missingProperty)}`, message: 'is required' };
    case 'dependentRequired':
      return {
        path: `${at}/${String(params.missingProperty)}`,
        message: `is required when ${String(params.property)} is present`,
      };
    case 'additionalProperties':
      return { path: `${at}/${String(params.additionalProperty)}`, message: 'is not allowed' };
    case 'unevaluatedProperties':
      return { path: `${at}/${String(params.unevaluatedProperty)}`, message: 'is not allowed' };
    case 'enum':
      return {
        path: at || '/',
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'discriminator':
      return {
        path: `${at}/${String(params.tag)}`,
        message:
          params.error === 'mapping'
            ? `${JSON.stringify(params.tagValue)} is not a known ${String(params.tag)}`
            : 'must be a string',
      };
    case 'const':
      return { path: at || '/', message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path: at || '/', message: error.message ?? `fails ${error.keyword}` };
  }
}

/** One line per issue, e.g. `/user/email must match format "email"`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path} ${issue.message}`).join('\n');
}
