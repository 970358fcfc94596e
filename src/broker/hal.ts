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

/** The base URL hrefs are built on: the configured public URL, or the request's own. */
export function hrefsFor(req: Request, publicUrl: string | undefined): Hrefs {
  return new Hrefs(publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`);
}

export const HAL_JSON = 'application/hal+json;charset=utf-8';

export function sendHal(res: Response, status: number, body: unknown): void {
  res.status(status).type(HAL_JSON).send(JSON.stringify(body));
}

/** ISO 8601 with an offset, as the Pact Broker writes dates. */
export const brokerDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
