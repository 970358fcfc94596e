import { terminalText } from './terminal-text.js';

describe('terminalText', () => {
  it('shows escape sequences, C1 controls and bidi overrides instead of letting a terminal obey them', () => {
    expect(terminalText('a\u001b[2Jb\u001b]8;;https://x\u0007link\u009b\u202eevil\nnext')).toBe(
      'a\\x1b[2Jb\\x1b]8;;https://x\\x07link\\x9b\\u202eevil\\x0anext',
    );
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    expect(terminalText('web-app: “a login” – ünïcode ✓ 🚀')).toBe(
      'web-app: “a login” – ünïcode ✓ 🚀',
    );
  });
});
