// Text from pacts and brokers (descriptions, names, versions) reaches a
// terminal: an escape sequence in it could clear the screen, hide text or
// plant a link. Control characters are shown instead of obeyed.

// C0 and DEL, C1, and the bidirectional overrides that reorder what is shown.
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as its escape (`\x1b`, `\u202e`). */
export function terminalText(text: string): string {
  return text.replace(controls, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
