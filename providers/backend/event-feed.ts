import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Queryable } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';

const CHANNEL = 'meshpact_run_events';
const APPLICATION_NAME = 'meshpact-event-feed';
// NOTIFY payloads are limited to 8000 bytes; larger events travel by reference.
const INLINE_LIMIT = 7_000;

/** What a gateway hears about a stored event: always its address, and the event itself when it fits. */
export interface FeedItem {
  tenant_id: string;
  thread_id: string;
  run_id: string;
  seq: number;
  event?: AgentEvent;
  /** The run's trace, for the gateways' log lines; never sent to a client. */
  trace_id?: string;
}

/**
 * Announces stored events to every gateway, in the order given; call it in
 * the transaction that stores them. One statement for all of them: the
 * payloads travel as one JSON array, and `json` (not `jsonb`) keeps each
 * element's text as it was written. Postgres calls a volatile function such
 * as pg_notify after sorting, so ORDER BY fixes the order of the calls.
 */
export async function publishEvents(
  trx: Queryable,
  items: { tenantId: string; event: AgentEvent; traceId: string | null }[],
): Promise<void> {
  const payloads = items.map(({ tenantId, event, traceId }) => {
    const item: FeedItem = {
      tenant_id: tenantId,
      thread_id: event.thread_id,
      run_id: event.run_id,
      seq: event.seq,
      event,
      ...(traceId === null ? {} : { trace_id: traceId }),
    };
    const payload = JSON.stringify(item);
    return Buffer.byteLength(payload) > INLINE_LIMIT
      ? JSON.stringify({ ...item, event: undefined })
      : payload;
  });
  await trx.query(
    `SELECT pg_notify($1, payload::text)
       FROM json_array_elements($2::json) WITH ORDINALITY AS e (payload, n) ORDER BY n`,
    [CHANNEL, `[${payloads.join(',')}]`],
  );
}

/**
 * One LISTEN connection per gateway process: every event stored by any
 * backend process arrives here, so several gateways can serve one mesh.
 * Emits `item` (FeedItem) and `reconnected` (after a lost connection: events
 * may have been missed, and subscribers should catch up from the store). Items
 * heard on the new connection are emitted only after `reconnected`, so a
 * catch-up started then comes before them.
 */
export class EventFeed extends EventEmitter<{ item: [FeedItem]; reconnected: [] }> {
  readonly #connectionString: string;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #closed = false;
  /** Items heard while reconnecting, announced after `reconnected` so catch-up is queued first. */
  #held: FeedItem[] | undefined;

  constructor(connectionString: string, logger: Logger) {
    super();
    this.#connectionString = connectionString;
    this.#logger = logger;
  }

  async open(): Promise<void> {
    // Named, so an operator (or a test) can tell the LISTEN connection apart in pg_stat_activity.
    const client = new pg.Client({
      connectionString: this.#connectionString,
      application_name: APPLICATION_NAME,
    });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      const item = JSON.parse(message.payload) as FeedItem;
      if (this.#held) this.#held.push(item);
      else this.emit('item', item);
    });
    client.on('error', (error) => {
      if (client !== this.#client) return;
      this.#logger.warn({ err: error }, 'event feed connection lost; reconnecting');
      void this.#reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      // close() ran while this connection was being opened, and could not end it.
      await client.end().catch(() => undefined);
      return;
    }
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
      const held: FeedItem[] = [];
      this.#held = held;
      try {
        await this.open();
      } catch (error) {
        this.#logger.warn({ err: error }, 'event feed reconnect failed');
        continue;
      } finally {
        this.#held = undefined;
      }
      if (this.#closed) return;
      this.emit('reconnected');
      for (const item of held) this.emit('item', item);
      return;
    }
  }
}
