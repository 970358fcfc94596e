// Text from pacts, brokers and verifiers goes into Markdown that GitHub
// renders (summary.md, PR comments): it must not open a table cell, a link,
// HTML, emphasis or math of its own, nor break its line, nor @mention a team.

// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f-\u009f]+/g;
/** U+2060 WORD JOINER: invisible, and GitHub no longer sees a mention or a bare link across it. */
const joiner = '\u2060';

/** Text as one Markdown table cell or inline run: its own characters, on one line. */
export function markdownText(text: string): string {
  return text
    .replace(controls, ' ')
    .replace(/[\\`*_[\]<>|#~!$]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@/g, `@${joiner}`)
    .replace(/:\/\//g, `:${joiner}//`)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${joiner}.`);
}

/** Text as an inline code span (in a table cell too): backticks cannot close it, pipes cannot split the cell. */
export function markdownCode(text: string): string {
  return `\`${text.replace(controls, ' ').replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}
