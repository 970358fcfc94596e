import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../runtime/logger.js';
import { inTrace } from '../runtime/trace-context.js';
import { formatTraceparent, parseTraceparent, startSpan } from '../runtime/traceparent.js';
import { HEALTH_PATHS } from './health.js';

/** Who made a request, as far as the service knows: a user of a tenant, or a named client. */
export interface Actor {
  user?: string;
  tenant?: string;
  /** A caller that is not a user: an introspection client, a broker token. */
  client?: string;
}

/** One access line: what every HTTP request and every /ws handshake logs once, when it ends. */
export interface AccessLine {
  method: string;
  /** The route's pattern (`/api/threads/:threadId`), never the raw path; absent when no route matched. */
  route?: string;
  status: number;
  duration_ms: number;
  trace_id: string;
  actor?: Actor;
  /** The client went away before the answer was complete. */
  aborted?: boolean;
}

/** Names the caller for this request's access line and audit line; call it once authenticated. */
export function identify(res: Response, actor: Actor): void {
  res.locals.actor = actor;
}

/** For a POST that only asks (introspection, pacts for verification): it changes nothing, so no audit line. */
export function notAWrite(res: Response): void {
  res.locals.audited = false;
}

/** The request's trace id, as the access log set it (undefined in an app without it). */
export function traceIdOf(res: Response): string | undefined {
  return res.locals.traceId as string | undefined;
}

/** Milliseconds since `started` (a `process.hrtime.bigint()`), to two decimals. */
export function msSince(started: bigint): number {
  return Number((process.hrtime.bigint() - started) / 10_000n) / 100;
}

/** Health probes come every few seconds from each supervisor: at info they would drown the rest. */
const levelOf = (route: string | undefined) =>
  route !== undefined && HEALTH_PATHS.includes(route) ? 'debug' : 'info';

/** Writes an access line: the actor's fields flat, beside the request's. */
export function logAccess(logger: Logger, { actor, ...line }: AccessLine): void {
  logger[levelOf(line.route)]({ ...line, ...actor }, 'request');
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The first middleware of every service. It continues the caller's W3C trace
 * (`traceparent`) or starts one, runs the request in it (so every log line
 * and every call to another service carries it), answers with the trace in
 * `traceresponse` (W3C Trace Context Level 2: `00-<trace id>-<span id>-<flags>`,
 * the trace id being a problem's `trace_id`), and when the response ends
 * logs one access line. A write that succeeded (any method but GET, HEAD and
 * OPTIONS, status below 400, not marked with notAWrite) also logs one audit
 * line: who, what (method and route, the path's ids, a created resource's
 * Location), and the trace; pino's `time` is when. Bodies, header values and
 * query strings are never logged.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const trace = startSpan(parseTraceparent(req.headers.traceparent));
    res.locals.traceId = trace.traceId;
    res.setHeader('traceresponse', formatTraceparent(trace));
    res.once('close', () => {
      const route = routeOf(req);
      const actor = res.locals.actor as Actor | undefined;
      const line: AccessLine = {
        method: req.method,
        ...(route === undefined ? {} : { route }),
        status: res.statusCode,
        duration_ms: msSince(started),
        trace_id: trace.traceId,
        ...(actor ? { actor } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      logAccess(logger, line);
      if (
        res.writableFinished &&
        !READS.has(req.method) &&
        res.statusCode < 400 &&
        res.locals.audited !== false
      )
        logAudit(logger, req, res, line);
    });
    inTrace(trace, next);
  };
}

function logAudit(logger: Logger, req: Request, res: Response, line: AccessLine): void {
  const location = res.getHeader('location');
  audit(logger, {
    action: `${line.method} ${line.route ?? '(no route)'}`,
    params: { ...req.params },
    ...(typeof location === 'string' ? { created: location } : {}),
    status: line.status,
    actor: line.actor ?? {},
    trace_id: line.trace_id,
  });
}

/** One write that was done: what, to which ids, what it created, by whom, in which trace. */
export interface AuditEntry {
  action: string;
  params?: Record<string, string | string[]>;
  created?: string;
  status?: number;
  actor: Actor;
  trace_id: string;
}

/** Logs one audit line, for a write over HTTP (accessLog does) or over another channel (a /ws frame). */
export function audit(logger: Logger, entry: AuditEntry): void {
  const { params, actor, ...rest } = entry;
  logger.info(
    {
      audit: true,
      ...rest,
      ...(params && Object.keys(params).length > 0 ? { params } : {}),
      ...actor,
    },
    'audit',
  );
}

/** The matched route's pattern, mount path included; undefined when no route matched (refused before routing, or 404). */
function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}
