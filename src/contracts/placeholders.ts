// Placeholders in the manifest's strings: `{port}`, `{url}`, `{root}`,
// `{pacts}`, `{<pacticipant>.url}`, `{secret:<name>}`. `{{` and `}}` stand for
// literal braces, so a JSON value in an env var is written `{{"a": 1}}`.
// Kept free of the manifest so the code that starts services can fill them.

export interface Placeholder {
  /** What stands between the braces, e.g. `port`, `auth-service.url`, `secret:introspection`. */
  name: string;
  /** Where its `{` is in the text, counted in UTF-16 code units. */
  index: number;
}

// A lone brace is tried last, so `{{`, `}}` and `{name}` always win.
const token = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

/**
 * Every placeholder in `text`, in order. Throws when a brace is neither part
 * of a placeholder nor doubled.
 *
 * @example placeholdersOf('http://127.0.0.1:{port}/{{x}}') // [{ name: 'port', index: 17 }]
 */
export function placeholdersOf(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(token)) {
    const [whole, name] = match;
    if (name !== undefined) found.push({ name, index: match.index });
    else if (whole.length === 1)
      throw new Error(`a lone "${whole}" at ${match.index}: write "${whole}${whole}" for a brace`);
  }
  return found;
}

/**
 * `text` with each placeholder replaced by `lookup(name)` and `{{`, `}}` made
 * single braces. Throws naming the first placeholder `lookup` does not know.
 *
 * @example fillPlaceholders('{url}/x', (name) => (name === 'url' ? 'http://127.0.0.1:4001' : undefined))
 */
export function fillPlaceholders(
  text: string,
  lookup: (name: string) => string | undefined,
): string {
  placeholdersOf(text); // refuses a lone brace before anything is filled
  return text.replace(token, (whole, name: string | undefined) => {
    if (name === undefined) return whole[0] ?? '';
    const value = lookup(name);
    if (value === undefined) throw new Error(`unknown placeholder {${name}} in "${text}"`);
    return value;
  });
}
