import { markdownCode, markdownText } from './markdown.js';

describe('markdownText', () => {
  it('keeps hostile text to its own cell and line: no pipes, HTML, links, emphasis or line breaks of its own', () => {
    expect(
      markdownText('a | b <img src=x onerror=alert(1)> [x](javascript:y) *b* _i_\nnext\u0000'),
    ).toBe('a \\| b \\<img src=x onerror=alert(1)\\> \\[x\\](javascript:y) \\*b\\* \\_i\\_ next ');
    expect(markdownText('R&D `code` #1 ~x~ !')).toBe('R&amp;D \\`code\\` \\#1 \\~x\\~ \\!');
  });
});

describe('markdownCode', () => {
  it('cannot be closed by a backtick or split by a pipe', () => {
    expect(markdownCode('GET /a|b `x`\n')).toBe("`GET /a\\|b 'x' `");
  });
});
