import { currentTrace, inTrace, traceHeaders } from './trace-context.js';
import { parseTraceparent, startSpan } from './traceparent.js';

describe('inTrace', () => {
  it('makes the context current for the work and what it awaits, and calls carry a child of it', async () => {
    const context = startSpan();
    expect(currentTrace()).toBeUndefined();
    expect(traceHeaders()).toEqual({});
    await inTrace(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentTrace()).toBe(context);
      const sent = parseTraceparent(traceHeaders().traceparent);
      expect(sent).toMatchObject({ traceId: context.traceId, sampled: true });
      expect(sent?.spanId).not.toBe(context.spanId);
    });
    expect(currentTrace()).toBeUndefined();
  });
});
