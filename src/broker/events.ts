/** What happened in the broker that webhooks may be told about. */
export interface BrokerEvent {
  name:
    | 'contract_published'
    | 'contract_content_changed'
    | 'contract_requiring_verification_published'
    | 'provider_verification_published'
    | 'provider_verification_succeeded'
    | 'provider_verification_failed';
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
