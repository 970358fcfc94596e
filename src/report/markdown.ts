// Text from pacts, schemas and verifiers goes into Markdown that GitHub
// renders (summary.md, PR comments): it must not open a table cell, a link,
// HTML or emphasis of its own, nor break its line.

// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f]+/g;

/** Text as one Markdown table cell or inline run: its own characters, on one line. */
export function markdownText(text: string): string {
  return text
    .replace(controls, ' ')
    .replace(/[\\`*_[\]<>|#~!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;');
}

/** Text as an inline code span (in a table cell too): backticks cannot close it, pipes cannot split the cell. */
export function markdownCode(text: string): string {
  return `\`${text.replace(controls, ' ').replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}
