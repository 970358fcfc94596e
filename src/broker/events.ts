import type { WebhookRequest } from '../schemas/types.generated.js';

/** The events a webhook may name: schemas/broker/webhook-request.json lists them. */
export type BrokerEventName = NonNullable<WebhookRequest['events']>[number]['name'];

/** What happened in the broker that webhooks may be told about. */
export interface BrokerEvent {
  name: BrokerEventName;
  consumer: string;
  provider: string;
  /** The pact (by content) the event is about. */
  sha: string;
  consumerVersion?: string;
  providerVersion?: string;
  verificationId?: string;
}

/** Receives events once the transaction that caused them has committed. */
export interface BrokerEventSink {
  emit(events: BrokerEvent[]): void;
}

export const ignoreEvents: BrokerEventSink = { emit: () => undefined };
