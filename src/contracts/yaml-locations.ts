import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Location {
  line: number;
  col: number;
}

/**
 * Finds where a JSON pointer of the parsed data (`/pacticipants/api/start`)
 * sits in the YAML source, so an error can name the line a person edits.
 * `key` points at the key instead of the value (a property that is not
 * allowed); a pointer that goes past what exists (a missing property) lands on
 * the key of the deepest part that does.
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  pointer: string,
  point: 'key' | 'value' = 'value',
): Location {
  let node: Node | null = doc.contents;
  let key: Node | null = null;
  for (const segment of segmentsOf(pointer)) {
    const pair = findPair(node, segment);
    if (!pair) return at(lines, key ?? node);
    key = pair.key;
    node = pair.value;
  }
  return at(lines, point === 'key' || node === null ? (key ?? node) : node);
}

function findPair(
  node: Node | null,
  segment: string,
): { key: Node; value: Node | null } | undefined {
  if (isSeq(node)) {
    // A sequence item has no key of its own: it is its own anchor.
    const item: unknown = /^\d+$/.test(segment) ? node.items[Number(segment)] : undefined;
    return isNode(item) ? { key: item, value: item } : undefined;
  }
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && String(pair.key.value) === segment)
      return { key: pair.key, value: isNode(pair.value) ? pair.value : null };
  }
  return undefined;
}

function segmentsOf(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function at(lines: LineCounter, node: Node | null): Location {
  return lines.linePos(node?.range?.[0] ?? 0);
}
