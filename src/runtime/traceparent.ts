// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent`
// header `00-<trace-id>-<parent-id>-<flags>` carries one trace id across the
// mesh. A header that does not parse, whatever it holds, is ignored and a
// fresh trace begins: a caller's bad header never fails its request.
// Pure and free of Node modules (Web Crypto only), so the web SDK uses it too;
// trace-context.ts keeps the current context of this process.

/** Where this process is in a trace: the trace, and the span of the work at hand. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero: the id of this process's span. */
  readonly spanId: string;
  /** Whether the trace is sampled (flag 01): kept from the caller, so a sampler upstream decides. */
  readonly sampled: boolean;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;
/** Version 00 is 55 characters; longer headers of later versions still fit well under this. */
const MAX_HEADER = 512;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * The caller's trace context, or undefined when `header` is not a valid
 * `traceparent`: version 00 exactly 55 characters; version ff refused; a
 * later version parsed by its first four fields, which must be followed by
 * the end or a `-` (the spec's rule for versions this code does not know).
 * Upper-case hex, all-zero ids, several headers folded into one (Node joins
 * them with ", ") and anything over MAX_HEADER are invalid.
 */
export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string' || header.length > MAX_HEADER) return undefined;
  const match = HEADER.exec(header);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === 'ff') return undefined;
  if (version === '00' ? header.length !== 55 : header.length > 55 && header[55] !== '-')
    return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** A child of `parent` (same trace, a span of its own), or the root of a new, sampled trace. */
export function startSpan(parent?: Pick<TraceContext, 'traceId' | 'sampled'>): TraceContext {
  return {
    traceId: parent?.traceId ?? randomId(16),
    spanId: randomId(8),
    sampled: parent?.sampled ?? true,
  };
}

/**
 * A context under a trace id kept from earlier (a run's, stored with it): a
 * new span of that trace, or of a new trace when the id is not one.
 */
export function spanOfTrace(traceId: string | null | undefined): TraceContext {
  return startSpan(
    traceId && TRACE_ID.test(traceId) && traceId !== ZERO_TRACE
      ? { traceId, sampled: true }
      : undefined,
  );
}

/** The `traceparent` value naming `context` as the parent, version 00 (flags other than sampled are dropped). */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/** Random lowercase hex of `bytes` bytes, never all zero (the spec forbids it). */
function randomId(bytes: number): string {
  for (;;) {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) =>
      byte.toString(16).padStart(2, '0'),
    ).join('');
    if (!/^0+$/.test(id)) return id;
  }
}
