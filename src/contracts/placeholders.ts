// Placeholders in manifest strings: `{port}`, `{auth-service.url}`,
// `{secret:introspection}`… `{{` and `}}` stand for literal braces.

const PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** The placeholders a text holds, in order of appearance. */
export function placeholdersOf(text: string): { name: string }[] {
  return [...text.matchAll(PLACEHOLDER)]
    .filter((match) => match[1] !== undefined)
    .map((match) => ({ name: match[1]! }));
}

/** The text with every placeholder replaced; throws naming the first one `lookup` does not know. */
export function fillPlaceholders(
  text: string,
  lookup: (name: string) => string | undefined,
): string {
  return text.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (name === undefined) return whole[0]!;
    const value = lookup(name);
    if (value === undefined) throw new Error(`unknown placeholder {${name}} in "${text}"`);
    return value;
  });
}
