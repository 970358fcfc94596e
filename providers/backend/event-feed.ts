import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Queryable } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';

const CHANNEL = 'meshpact_run_events';
// NOTIFY payloads are limited to 8000 bytes; larger events travel by reference.
const INLINE_LIMIT = 7_000;

/** What a gateway hears about a stored event: always its address, and the event itself when it fits. */
export interface FeedItem {
  tenant_id: string;
  thread_id: string;
  run_id: string;
  seq: number;
  event?: AgentEvent;
}

/** Announces a stored event to every gateway; call it in the transaction that stores the event. */
export async function publishEvent(
  trx: Queryable,
  tenantId: string,
  event: AgentEvent,
): Promise<void> {
  const item: FeedItem = {
    tenant_id: tenantId,
    thread_id: event.thread_id,
    run_id: event.run_id,
    seq: event.seq,
    event,
  };
  let payload = JSON.stringify(item);
  if (Buffer.byteLength(payload) > INLINE_LIMIT)
    payload = JSON.stringify({ ...item, event: undefined });
  await trx.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
}

/**
 * One LISTEN connection per gateway process: every event stored by any
 * backend process arrives here, so several gateways can serve one mesh.
 * Emits `item` (FeedItem) and `reconnected` (after a lost connection: events
 * may have been missed, and subscribers should catch up from the store).
 */
export class EventFeed extends EventEmitter<{ item: [FeedItem]; reconnected: [] }> {
  readonly #connectionString: string;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #closed = false;

  constructor(connectionString: string, logger: Logger) {
    super();
    this.#connectionString = connectionString;
    this.#logger = logger;
  }

  async open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      this.emit('item', JSON.parse(message.payload) as FeedItem);
    });
    client.on('error', (error) => {
      this.#logger.warn({ err: error }, 'event feed connection lost; reconnecting');
      void this.#reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#client = client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client?.end().catch(() => undefined);
  }

  async #reconnect(): Promise<void> {
    const lost = this.#client;
    this.#client = undefined;
    await lost?.end().catch(() => undefined);
    for (let delay = 100; !this.#closed; delay = Math.min(delay * 2, 5_000)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.#closed) return;
      try {
        await this.open();
        this.emit('reconnected');
        return;
      } catch (error) {
        this.#logger.warn({ err: error }, 'event feed reconnect failed');
      }
    }
  }
}
