import fc from 'fast-check';
import { formatTraceparent, parseTraceparent, spanOfTrace, startSpan } from './traceparent.js';

const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
const span = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version 00 header: trace id, parent id and the sampled flag', () => {
    expect(parseTraceparent(`00-${trace}-${span}-01`)).toEqual({
      traceId: trace,
      spanId: span,
      sampled: true,
    });
    expect(parseTraceparent(`00-${trace}-${span}-00`)?.sampled).toBe(false);
    // Flags other than sampled are someone else's: only bit 0 counts.
    expect(parseTraceparent(`00-${trace}-${span}-fe`)?.sampled).toBe(false);
  });

  it('reads a later version by its first four fields, followed by the end or a dash', () => {
    expect(parseTraceparent(`01-${trace}-${span}-01-what-comes-next`)?.traceId).toBe(trace);
    expect(parseTraceparent(`01-${trace}-${span}-01`)?.traceId).toBe(trace);
    expect(parseTraceparent(`01-${trace}-${span}-01x`)).toBeUndefined();
  });

  it.each([
    ['nothing', undefined],
    ['an array (several headers)', [`00-${trace}-${span}-01`, `00-${trace}-${span}-01`]],
    ['several headers folded into one', `00-${trace}-${span}-01, 00-${trace}-${span}-01`],
    ['version ff', `ff-${trace}-${span}-01`],
    ['version 00 with more after it', `00-${trace}-${span}-01-extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${span}-01`],
    ['an all-zero parent id', `00-${trace}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${trace.toUpperCase()}-${span}-01`],
    ['a short trace id', `00-${trace.slice(1)}-${span}-01`],
    ['a NUL inside', `00-${trace}-${span}-0\u0000`],
    ['a leading space', ` 00-${trace}-${span}-01`],
    ['a huge header', `01-${trace}-${span}-01-${'a'.repeat(100_000)}`],
    ['an X-Request-Id style id', 'req-1234'],
  ])('ignores %s', (_what, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('never throws, and whatever it accepts formats back to a valid header of the same trace', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f-]{50,60}$/)), (header) => {
        const parsed = parseTraceparent(header);
        if (parsed) expect(parseTraceparent(formatTraceparent(parsed))).toEqual(parsed);
      }),
    );
  });
});

describe('startSpan', () => {
  it('starts a sampled trace of random, non-zero ids that formats as a valid header', () => {
    const root = startSpan();
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(parseTraceparent(formatTraceparent(root))).toEqual(root);
    expect(startSpan().traceId).not.toBe(root.traceId);
  });

  it('makes a child of the same trace with a span of its own, keeping the sampled flag', () => {
    const parent = parseTraceparent(`00-${trace}-${span}-00`)!;
    const child = startSpan(parent);
    expect(child).toMatchObject({ traceId: trace, sampled: false });
    expect(child.spanId).not.toBe(span);
  });
});

describe('spanOfTrace', () => {
  it('continues a stored trace id, or starts a new trace when there is none or it is not one', () => {
    expect(spanOfTrace(trace).traceId).toBe(trace);
    for (const stored of [null, undefined, '', 'not-a-trace', '0'.repeat(32)])
      expect(spanOfTrace(stored).traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
  });
});
