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

interface Node {
  value: unknown;
  depth: number;
  parent: Node | undefined;
  key: string;
  /** What is wrong with `key`: reported at the parent, and the value is not walked. */
  keyIssue?: string;
}

/**
 * Each place in a parsed JSON value that must not be stored: a string or key
 * textIssue refuses, or an array or object nested deeper than `maxDepth`
 * (the root object is at depth 1). Paths are JSON Pointers (`/metadata/a`),
 * under `at` for a document inside another; a bad key is reported at its
 * object, so the path never carries the bad text.
 */
export function jsonTextIssues(
  value: unknown,
  options: { maxDepth: number; at?: string },
): ValidationIssue[] {
  const pointer = (node: Node) => pointerOf(node, options.at ?? '');
  const issues: ValidationIssue[] = [];
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const node = stack.pop()!;
    if (node.keyIssue) {
      issues.push({ path: pointer(node.parent!), message: `has a key that ${node.keyIssue}` });
      continue;
    }
    const { value: current } = node;
    if (typeof current === 'string') {
      const issue = textIssue(current);
      if (issue) issues.push({ path: pointer(node), message: issue });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > options.maxDepth) {
      issues.push({
        path: pointer(node),
        message: `nests deeper than ${options.maxDepth} levels of arrays and objects`,
      });
      continue;
    }
    // Children are pushed last first, so issues come in document order.
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], depth, parent: node, key: String(i) });
      continue;
    }
    const record = current as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const keyIssue = textIssue(key);
      stack.push({
        value: record[key],
        depth,
        parent: node,
        key,
        ...(keyIssue ? { keyIssue } : {}),
      });
    }
  }
  return issues;
}

function pointerOf(node: Node, prefix: string): string {
  const segments: string[] = [];
  for (let at: Node | undefined = node; at?.parent; at = at.parent)
    segments.push(at.key.replaceAll('~', '~0').replaceAll('/', '~1'));
  const inner = segments
    .reverse()
    .map((segment) => `/${segment}`)
    .join('');
  const path = `${prefix}${inner}` || '/';
  return path.length <= MAX_PATH ? path : `${path.slice(0, MAX_PATH - 1)}…`;
}
