import { brokerDate, type Hrefs } from './hal.js';
import type {
  ExecutionRow,
  PacticipantSelector,
  TriggeredRow,
  TriggeredWithWebhook,
  WebhookRow,
} from './store/webhooks.js';
import { redactedRequest, type WebhookSettings } from './webhook-rules.js';

// Webhooks and their executions as the Pact Broker's decorators write them.

const side = (selector: PacticipantSelector | null, what: string) =>
  selector?.name !== undefined
    ? `${what} ${selector.name}`
    : selector?.label !== undefined
      ? `${what}s labelled ${selector.label}`
      : undefined;

/** "A webhook for the pact between web-app and auth-service", and the like. */
export function webhookScope(row: Pick<WebhookRow, 'consumer' | 'provider'>): string {
  const consumer = side(row.consumer, 'consumer');
  const provider = side(row.provider, 'provider');
  if (row.consumer?.name !== undefined && row.provider?.name !== undefined)
    return `A webhook for the pact between ${row.consumer.name} and ${row.provider.name}`;
  if (consumer && provider) return `A webhook for all pacts with ${consumer} and ${provider}`;
  if (consumer ?? provider) return `A webhook for all pacts with ${consumer ?? provider}`;
  return 'A webhook for all pacts';
}

const selectorView = (selector: PacticipantSelector | null) =>
  selector === null
    ? undefined
    : selector.name !== undefined
      ? { name: selector.name }
      : { label: selector.label };

export function webhookView(h: Hrefs, row: WebhookRow) {
  const self = h.path('webhooks', row.uuid);
  const pacticipantLink = (selector: PacticipantSelector | null, title: string) =>
    selector?.name !== undefined
      ? { title, name: selector.name, href: h.path('pacticipants', selector.name) }
      : undefined;
  const consumer = selectorView(row.consumer);
  const provider = selectorView(row.provider);
  return {
    uuid: row.uuid,
    description: row.description ?? webhookScope(row),
    ...(consumer ? { consumer } : {}),
    ...(provider ? { provider } : {}),
    enabled: row.enabled,
    request: redactedRequest(row.request),
    events: row.events.map((name) => ({ name })),
    createdAt: brokerDate(row.created_at),
    ...(row.updated_at.getTime() !== row.created_at.getTime()
      ? { updatedAt: brokerDate(row.updated_at) }
      : {}),
    _links: {
      self: { title: row.description ?? webhookScope(row), href: self },
      'pb:execute': {
        title:
          'Test the execution of the webhook with the latest matching pact or verification by sending a POST request to this URL',
        href: `${self}/execute`,
      },
      ...(pacticipantLink(row.consumer, 'Consumer')
        ? { 'pb:consumer': pacticipantLink(row.consumer, 'Consumer') }
        : {}),
      ...(pacticipantLink(row.provider, 'Provider')
        ? { 'pb:provider': pacticipantLink(row.provider, 'Provider') }
        : {}),
      ...(row.consumer?.name !== undefined && row.provider?.name !== undefined
        ? {
            'pb:pact-webhooks': {
              title: 'All webhooks for consumer and provider',
              href: h.path(
                'webhooks',
                'provider',
                row.provider.name,
                'consumer',
                row.consumer.name,
              ),
            },
          }
        : {}),
      'pb:triggered-webhooks': {
        title: 'Triggered webhooks',
        href: `${self}/triggered-webhooks`,
      },
      'pb:webhooks': { title: 'All webhooks', href: h.path('webhooks') },
    },
  };
}

/** A list of webhooks: links only, as the Pact Broker writes it. */
export function webhookListView(h: Hrefs, self: string, title: string, rows: WebhookRow[]) {
  return {
    _links: {
      self: { title, href: self },
      'pb:create': { title: 'POST to create a webhook', href: self },
      'pb:webhooks': rows.map((row) => ({
        title: webhookScope(row),
        name: row.description ?? webhookScope(row),
        href: h.path('webhooks', row.uuid),
      })),
    },
  };
}

const attemptsRemaining = (row: TriggeredRow, settings: WebhookSettings) =>
  row.status === 'not_run' || row.status === 'retrying'
    ? Math.max(0, settings.retrySchedule.length + 1 - row.attempts_made)
    : 0;

export function triggeredView(h: Hrefs, row: TriggeredWithWebhook, settings: WebhookSettings) {
  const name = row.webhook_description ?? `Webhook ${row.webhook_uuid}`;
  return {
    uuid: row.uuid,
    name,
    status: row.status,
    attemptsMade: row.attempts_made,
    attemptsRemaining: attemptsRemaining(row, settings),
    triggerType: row.event_name.startsWith('provider_verification')
      ? 'verification'
      : 'publication',
    eventName: row.event_name,
    consumerName: row.context.consumer,
    providerName: row.context.provider,
    triggeredAt: brokerDate(row.created_at),
    _links: {
      'pb:logs': {
        title: 'Webhook execution logs',
        name,
        href: h.path('triggered-webhooks', row.uuid, 'logs'),
      },
      'pb:webhook': { title: 'Webhook', name, href: h.path('webhooks', row.webhook_uuid) },
    },
  };
}

export function logsView(
  h: Hrefs,
  row: TriggeredWithWebhook,
  executions: ExecutionRow[],
  settings: WebhookSettings,
) {
  return {
    ...triggeredView(h, row, settings),
    executions: executions.map((execution) => ({
      success: execution.success,
      logs: execution.logs,
      createdAt: brokerDate(execution.created_at),
    })),
  };
}
