import { validationFailed, type ValidationIssue } from '../errors/meshpact-error.js';
import type { Queryable } from '../runtime/db.js';
import type { WebhookRequest } from '../schemas/types.generated.js';
import { findPacticipant } from './store/pacticipants.js';
import type {
  PacticipantSelector,
  StoredWebhookRequest,
  WebhookFields,
  WebhookRow,
} from './store/webhooks.js';
import { isLocalHost, localTargetsRefused } from './webhook-targets.js';

/** What webhooks may do and how they run (README, "Webhooks", lists the variables). */
export interface WebhookSettings {
  /** URL schemes a webhook may use, e.g. `https`. */
  readonly schemes: readonly string[];
  /** HTTP methods a webhook may use, upper case. */
  readonly methods: readonly string[];
  /** Hosts a webhook may call (`name` or `*.domain`); empty means any, with responses left out of logs. */
  readonly hosts: readonly string[];
  /** Whether webhooks may call loopback and link-local addresses (webhook-targets.ts); off on a broker with tokens unless set. */
  readonly allowLocal: boolean;
  /** Seconds before each retry; a webhook is tried `retrySchedule.length + 1` times. */
  readonly retrySchedule: readonly number[];
  readonly timeoutSeconds: number;
}

export const defaultWebhookSettings: WebhookSettings = Object.freeze({
  schemes: ['https', 'http'],
  methods: ['POST'],
  hosts: [],
  allowLocal: true,
  retrySchedule: [10, 60, 120, 300, 600, 1200],
  timeoutSeconds: 15,
});

export const REDACTED = '**********';
const TEMPLATE = /\$\{pactbroker\.[A-Za-z]+\}/;
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

/** Whether `host` is allowed by a whitelist entry: an exact name, or `*.domain` for its subdomains. */
export function hostAllowed(hosts: readonly string[], host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return hosts.some((entry) =>
    entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : entry.replace(/^\[|\]$/g, '') === name,
  );
}

/**
 * Checks a webhook body beyond its schema (pacticipants exist, method, URL
 * scheme and host allowed) and returns it as stored: events defaulted to
 * contract_content_changed, an empty selector meaning any pacticipant.
 */
export async function webhookFields(
  db: Queryable,
  body: WebhookRequest,
  settings: WebhookSettings,
): Promise<WebhookFields> {
  const issues: ValidationIssue[] = [];
  const selector = async (side: 'consumer' | 'provider'): Promise<PacticipantSelector | null> => {
    const given = body[side];
    if (!given || (given.name === undefined && given.label === undefined)) return null;
    if (given.name !== undefined && given.label !== undefined) {
      issues.push({ path: `/${side}`, message: 'takes a name or a label, not both' });
      return null;
    }
    if (given.label !== undefined) return { label: given.label };
    if (!(await findPacticipant(db, given.name!)))
      issues.push({ path: `/${side}/name`, message: `no pacticipant named "${given.name}"` });
    return { name: given.name! };
  };
  const consumer = await selector('consumer');
  const provider = await selector('provider');

  const method = body.request.method.toUpperCase();
  if (!HTTP_METHODS.includes(method))
    issues.push({ path: '/request/method', message: `"${method}" is not an HTTP method` });
  else if (!settings.methods.includes(method))
    issues.push({
      path: '/request/method',
      message: `must be one of ${settings.methods.join(', ')} (BROKER_WEBHOOK_METHODS)`,
    });
  issues.push(...urlIssues(body.request.url, settings));

  if (issues.length > 0) throw validationFailed('webhook', issues);
  const { request } = body;
  return {
    description: body.description ?? null,
    consumer,
    provider,
    events: [
      ...new Set((body.events ?? [{ name: 'contract_content_changed' }]).map((e) => e.name)),
    ],
    enabled: body.enabled ?? true,
    request: {
      method,
      url: request.url,
      headers: Object.fromEntries(
        Object.entries(request.headers ?? {}).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      ),
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.username != null ? { username: request.username } : {}),
      ...(request.password != null ? { password: request.password } : {}),
    },
  };
}

function urlIssues(url: string, settings: WebhookSettings): ValidationIssue[] {
  const at = (message: string) => [{ path: '/request/url', message }];
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!scheme) return at('must be an absolute URL with a scheme and a host');
  const [, protocol, authority] = scheme as unknown as [string, string, string];
  if (TEMPLATE.test(authority)) return at('may not have a template in its host');
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\$\{pactbroker\.[A-Za-z]+\}/g, 'x'));
  } catch {
    return at('is not a valid URL');
  }
  if (!parsed.hostname) return at('must have a host');
  if (!settings.schemes.includes(protocol.toLowerCase()))
    return at(
      `must use ${settings.schemes.join(' or ')} (BROKER_WEBHOOK_SCHEMES), not ${protocol}`,
    );
  if (settings.hosts.length > 0 && !hostAllowed(settings.hosts, parsed.hostname))
    return at(`may not call ${parsed.hostname}: not in BROKER_WEBHOOK_HOSTS`);
  if (!settings.allowLocal && isLocalHost(parsed.hostname))
    return at(`may not call ${parsed.hostname}: ${localTargetsRefused}`);
  return [];
}

const isSecretHeader = (name: string) => /authorization|token/i.test(name);
const allAsterisks = (value: string | null | undefined) =>
  typeof value === 'string' && /^\*+$/.test(value);

/** The request as responses show it: the password and auth or token headers hidden, unless they are templates. */
export function redactedRequest(request: StoredWebhookRequest) {
  const hide = (value: string) => (TEMPLATE.test(value) ? value : REDACTED);
  return {
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        isSecretHeader(name) ? hide(value) : value,
      ]),
    ),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.username != null ? { username: request.username } : {}),
    ...(request.password != null ? { password: hide(request.password) } : {}),
  };
}

export function redactedHeaders(headers: Record<string, string>): Record<string, string> {
  return redactedRequest({ method: '', url: '', headers }).headers;
}

/**
 * On update, a missing or all-asterisk password and any all-asterisk header
 * value keep what is stored, so a GET-then-PUT round trip keeps the secrets.
 */
export function keepSecrets(
  incoming: WebhookFields,
  stored: WebhookRow | undefined,
): WebhookFields {
  if (!stored) return incoming;
  const before = stored.request;
  const request = { ...incoming.request };
  if ((request.password == null || allAsterisks(request.password)) && before.password != null)
    request.password = before.password;
  request.headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => {
      if (!allAsterisks(value)) return [name, value];
      const kept = Object.entries(before.headers).find(
        ([storedName]) => storedName.toLowerCase() === name.toLowerCase(),
      );
      return [name, kept ? kept[1] : value];
    }),
  );
  return { ...incoming, request };
}
