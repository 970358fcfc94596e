// Everything a report carries came from somewhere else: pact descriptions, verifier
// mismatch texts, pacticipant names. Every one goes through one of these on its way
// into the page.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content or a quoted attribute value: `a<b "c"` → `a&lt;b &quot;c&quot;`. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON that can sit inside `<script type="application/json">`: no `<` (so no `</script>`
 * or `<!--`), no `>` or `&`, and no U+2028/U+2029, each written as its \u escape, which
 * JSON.parse reads back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
