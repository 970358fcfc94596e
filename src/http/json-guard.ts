import type { ValidationIssue } from '../errors/meshpact-error.js';

// Hostile JSON text, refused where it enters (HTTP bodies, /ws frames, pact
// content in a publication) before any store sees it:
// - NUL: Postgres text and jsonb cannot hold U+0000 and fail the whole statement;
// - a lone surrogate: Postgres jsonb refuses it, text columns turn it into
//   U+FFFD, so what is read back would differ from what was accepted;
// - deep nesting: everything recursive after the parser (JSON.stringify, key
//   sorting, ajv, jsonb) overflows the stack on it. JSON.parse itself copes
//   with any depth, and this walk is iterative, so it never overflows.

/** Nesting bound for the services' bodies and frames: their documents are a few levels deep. */
export const DEFAULT_MAX_DEPTH = 64;

/** Issues listed per document; the first already says what to fix. */
const MAX_ISSUES = 20;

/** problem.json bounds `errors[].path`. */
const MAX_PATH = 1024;

/** What is wrong with one string, or undefined when Postgres can keep it as it is. */
export function textIssue(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains NUL (U+0000), which cannot be stored';
  if (!text.isWellFormed())
    return 'is not well-formed Unicode (it has a lone surrogate, e.g. \\ud800)';
  return undefined;
}

/** An array or object still to walk; leaves are checked as their container is. */
interface Container {
  value: object;
  depth: number;
  parent: Container | undefined;
  /** Its index or key in `parent`. */
  key: number | string;
}

/**
 * Each place in a parsed JSON value that must not be stored: a string or key
 * textIssue refuses, or an array or object nested deeper than `maxDepth`
 * (the root object is at depth 1). Paths are JSON Pointers (`/metadata/a`),
 * under `at` for a document inside another; a bad key is reported at its
 * object, so the path never carries the bad text. Only containers are kept
 * on the stack, so the walk costs about what JSON.parse did.
 */
export function jsonTextIssues(
  value: unknown,
  options: { maxDepth: number; at?: string },
): ValidationIssue[] {
  const prefix = options.at ?? '';
  const issues: ValidationIssue[] = [];
  const stack: Container[] = [];
  const full = () => issues.length >= MAX_ISSUES;
  /** Checks one value; a container within the bound is queued in `into`. */
  const visit = (
    child: unknown,
    depth: number,
    parent: Container | undefined,
    key: number | string,
    into: Container[],
  ) => {
    if (typeof child === 'string') {
      const issue = textIssue(child);
      if (issue) issues.push({ path: pointer(prefix, parent, key), message: issue });
    } else if (child !== null && typeof child === 'object') {
      if (depth > options.maxDepth)
        issues.push({
          path: pointer(prefix, parent, key),
          message: `nests deeper than ${options.maxDepth} levels of arrays and objects`,
        });
      else into.push({ value: child, depth, parent, key });
    }
  };
  visit(value, 1, undefined, '', stack);
  const queued: Container[] = [];
  while (stack.length > 0 && !full()) {
    const container = stack.pop()!;
    const depth = container.depth + 1;
    queued.length = 0;
    if (Array.isArray(container.value)) {
      const items = container.value as unknown[];
      for (let i = 0; i < items.length && !full(); i++)
        visit(items[i], depth, container, i, queued);
    } else {
      const record = container.value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (full()) break;
        const keyIssue = textIssue(key);
        if (keyIssue)
          issues.push({
            path: pointer(prefix, container.parent, container.key),
            message: `has a key that ${keyIssue}`,
          });
        else visit(record[key], depth, container, key, queued);
      }
    }
    // Last first, so nested containers are walked in document order.
    for (let i = queued.length - 1; i >= 0; i--) stack.push(queued[i]!);
  }
  return issues.slice(0, MAX_ISSUES);
}

/** The JSON Pointer of the value at `key` in `parent`, or of the root when there is no parent. */
function pointer(prefix: string, parent: Container | undefined, key: number | string): string {
  const segments: (number | string)[] = [];
  if (parent) segments.push(key);
  for (let at: Container | undefined = parent; at?.parent; at = at.parent) segments.push(at.key);
  const inner = segments
    .reverse()
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
  const path = `${prefix}${inner}` || '/';
  return path.length <= MAX_PATH ? path : `${path.slice(0, MAX_PATH - 1)}…`;
}
