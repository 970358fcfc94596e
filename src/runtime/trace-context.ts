import { AsyncLocalStorage } from 'node:async_hooks';
import { formatTraceparent, startSpan, type TraceContext } from './traceparent.js';

// The trace this process is working in, carried along async calls, so log
// lines and calls to other services need not be handed it.

const storage = new AsyncLocalStorage<TraceContext>();

/**
 * The context of the work in progress: set for a request, a socket's frames
 * and a run, read by the log lines (their `trace_id`) and by calls to other
 * services (their `traceparent`).
 */
export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** Runs `work` (and whatever it starts) in `context`. */
export function inTrace<T>(context: TraceContext, work: () => T): T {
  return storage.run(context, work);
}

/** Headers for a call to another service: a new span of the current trace, when there is one. */
export function traceHeaders(): Record<string, string> {
  const current = currentTrace();
  return current ? { traceparent: formatTraceparent(startSpan(current)) } : {};
}
