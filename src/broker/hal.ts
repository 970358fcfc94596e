import type { Request, Response } from 'express';

// HAL as the Pact clients read it: absolute hrefs (the clients resolve them
// against the broker URL they were given), names and versions percent-encoded
// in paths, `templated: true` on links with placeholders.

export interface Link {
  href: string;
  title?: string;
  name?: string;
  templated?: boolean;
}

/** Builds absolute hrefs under the broker's base URL. */
export class Hrefs {
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  /** `path('pacticipants', name)`: each segment encoded, `{placeholders}` kept. */
  path(...segments: string[]): string {
    return `${this.base}/${segments
      .map((segment) => (/^\{[a-zA-Z]+\}$/.test(segment) ? segment : encodeURIComponent(segment)))
      .join('/')}`;
  }

  link(segments: string[], extra: Omit<Link, 'href'> = {}): Link {
    const href = this.path(...segments);
    return { href, ...extra, ...(/\{[a-zA-Z]+\}/.test(href) ? { templated: true } : {}) };
  }
}

/** The first value of a header that may be repeated or comma-separated. */
function firstOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}

/** `scheme://host[:port]` as a URL origin (default ports dropped), or undefined when it is not one. */
function originOf(scheme: string, host: string, port?: string): string | undefined {
  try {
    const url = new URL(`${scheme}://${host}`);
    if (port && url.port === '' && /^\d{1,5}$/.test(port)) url.port = port;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * The base URL a request's links are written under, by the Pact Broker's rules
 * (Rack::PactBroker::SetBaseUrl): none configured, the request's own; one, always
 * it; several, the one the request came in by, read first with the proxy's
 * X-Forwarded-* headers and then without, else the first. A forged header can
 * only choose among the configured URLs.
 */
export function baseUrlFor(req: Request, baseUrls: readonly string[]): string {
  const host = req.get('host') ?? 'localhost';
  const own = originOf(req.protocol, host) ?? `${req.protocol}://localhost`;
  const [first] = baseUrls;
  if (first === undefined) return own;
  if (baseUrls.length === 1) return first;
  const forwardedScheme =
    firstOf(req.headers['x-forwarded-proto']) ??
    firstOf(req.headers['x-forwarded-scheme']) ??
    (firstOf(req.headers['x-forwarded-ssl']) === 'on' ? 'https' : undefined);
  const forwarded = originOf(
    forwardedScheme ?? req.protocol,
    firstOf(req.headers['x-forwarded-host']) ?? host,
    firstOf(req.headers['x-forwarded-port']),
  );
  return [forwarded, own].find((url) => url !== undefined && baseUrls.includes(url)) ?? first;
}

export function hrefsFor(req: Request, baseUrls: readonly string[]): Hrefs {
  return new Hrefs(baseUrlFor(req, baseUrls));
}

export const HAL_JSON = 'application/hal+json;charset=utf-8';

/** Sends HAL with the Pact Broker's exact Content-Type (express would reformat it). */
export function sendHal(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', HAL_JSON);
  res.end(JSON.stringify(body));
}

/** ISO 8601 with an offset, as the Pact Broker writes dates. */
export const brokerDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
