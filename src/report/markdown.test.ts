import { markdownCode, markdownText } from './markdown.js';

const joiner = '\u2060';

describe('markdownText', () => {
  it('keeps hostile text to its own cell and line: no pipes, HTML, links, emphasis or line breaks of its own', () => {
    expect(
      markdownText('a | b <img src=x onerror=alert(1)> [x](y) *b* _i_\nnext\u0000\u009b'),
    ).toBe('a \\| b \\<img src=x onerror=alert(1)\\> \\[x\\](y) \\*b\\* \\_i\\_ next ');
    expect(markdownText('R&D `code` #1 ~x~ ! $x^2$')).toBe(
      'R&amp;D \\`code\\` \\#1 \\~x\\~ \\! \\$x^2\\$',
    );
  });

  it('mentions no one and links nowhere', () => {
    expect(markdownText('ping @org/team at https://evil.example or www.evil.example')).toBe(
      `ping @${joiner}org/team at https:${joiner}//evil.example or www${joiner}.evil.example`,
    );
  });
});

describe('markdownCode', () => {
  it('cannot be closed by a backtick or split by a pipe', () => {
    expect(markdownCode('GET /a|b `x`\n')).toBe("`GET /a\\|b 'x' `");
  });
});
