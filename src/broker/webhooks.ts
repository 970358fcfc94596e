import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../runtime/clock.js';
import { withTransaction } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type { BrokerEvent, BrokerEventSink } from './events.js';
import { Hrefs } from './hal.js';
import {
  claimAttempt,
  findWebhookById,
  insertTriggered,
  matchingWebhooks,
  pendingTriggered,
  recordAttempt,
  releaseAttempt,
  type TriggerContext,
  type TriggeredRow,
} from './store/webhooks.js';
import { executeWebhook } from './webhook-execution.js';
import type { WebhookSettings } from './webhook-rules.js';
import { renderRequest, templateValues } from './webhook-template.js';

/**
 * A webhook or triggered webhook uuid. The Pact Broker makes url-safe base64
 * ones, which may start with "-" and then read as a flag in `--uuid -x...`.
 */
export const newWebhookUuid = () => randomUUID();

export interface WebhookDispatcherDeps {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** The broker's own URL, for `${pactbroker.pactUrl}` and the like. */
  baseUrl: string;
  settings: WebhookSettings;
}

/**
 * Runs webhooks for broker events, in this process.
 *
 * Each event stores a triggered webhook per matching webhook (one transaction
 * per batch of events) due at once; each attempt is then claimed in the
 * database (moving its due time to a lease) so that one broker process runs
 * it, even when several share the database. A failed attempt is retried after
 * the next delay of the retry schedule; the last failure ends in `failure`.
 * Nothing lives only in memory: `start()` schedules every triggered webhook
 * still due, so a restart loses none, and `close()` clears every timer, cuts
 * off requests in flight and gives their attempts back, due again.
 */
export class WebhookDispatcher implements BrokerEventSink {
  readonly #deps: WebhookDispatcherDeps;
  readonly #hrefs: Hrefs;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #work = new Set<Promise<void>>();
  readonly #stopping = new AbortController();

  constructor(deps: WebhookDispatcherDeps) {
    this.#deps = deps;
    this.#hrefs = new Hrefs(deps.baseUrl);
  }

  /** Schedules the triggered webhooks left from before (not run yet, or waiting to retry). */
  async start(): Promise<void> {
    for (const row of await pendingTriggered(this.#deps.db)) this.#schedule(row);
  }

  emit(events: BrokerEvent[]): void {
    if (events.length === 0) return;
    this.#track(this.#trigger(events));
  }

  /** Stops: no new attempts, requests in flight cut off and due again at the next start. */
  async close(): Promise<void> {
    this.#stopping.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.#deps.logger.error({ err: error }, 'webhook dispatch failed'),
    );
    this.#work.add(tracked);
    void tracked.finally(() => this.#work.delete(tracked));
  }

  async #trigger(events: BrokerEvent[]): Promise<void> {
    const { db, clock } = this.#deps;
    // Most events match no webhook: one query says so, without a transaction.
    const matching = await matchingWebhooks(db, events);
    if (matching.every((webhooks) => webhooks.length === 0)) return;
    const triggered = await withTransaction(db, async (trx) => {
      const rows: TriggeredRow[] = [];
      for (const [index, event] of events.entries()) {
        const context: TriggerContext = {
          consumer: event.consumer,
          provider: event.provider,
          sha: event.sha,
          ...(event.consumerVersion !== undefined
            ? { consumerVersion: event.consumerVersion }
            : {}),
          ...(event.providerVersion !== undefined
            ? { providerVersion: event.providerVersion }
            : {}),
          ...(event.verificationId !== undefined ? { verificationId: event.verificationId } : {}),
        };
        for (const webhook of matching[index]!)
          rows.push(
            await insertTriggered(
              trx,
              { uuid: newWebhookUuid(), webhookId: webhook.id, eventName: event.name, context },
              clock.now(),
            ),
          );
      }
      return rows;
    });
    for (const row of triggered) this.#schedule(row);
  }

  #schedule(row: TriggeredRow): void {
    const due = row.next_attempt_at;
    if (this.#stopping.signal.aborted || !due) return;
    const delay = Math.max(0, due.getTime() - this.#deps.clock.now().getTime());
    const timer = setTimeout(() => {
      this.#timers.delete(row.id);
      this.#track(this.#attempt(row.id, due));
    }, delay);
    timer.unref();
    this.#timers.set(row.id, timer);
  }

  async #attempt(id: string, due: Date): Promise<void> {
    const { db, clock, settings } = this.#deps;
    const lease = new Date(clock.now().getTime() + (settings.timeoutSeconds + 60) * 1000);
    const claimed = await claimAttempt(db, id, due, lease);
    if (!claimed) return;
    const webhook = await findWebhookById(db, claimed.webhook_id);
    if (!webhook) return;
    const values = await templateValues(db, this.#hrefs, claimed.event_name, claimed.context);
    const result = await executeWebhook(renderRequest(webhook.request, values), {
      clock,
      settings,
      context: { ...claimed.context, eventName: claimed.event_name },
      signal: this.#stopping.signal,
    });
    if (result.interrupted) {
      await releaseAttempt(db, id, lease, due);
      return;
    }
    const attempts = claimed.attempts_made + 1;
    const retryIn = result.success ? undefined : settings.retrySchedule[attempts - 1];
    const status = result.success ? 'success' : retryIn === undefined ? 'failure' : 'retrying';
    const at = clock.now();
    const next = retryIn === undefined ? null : new Date(at.getTime() + retryIn * 1000);
    await withTransaction(db, (trx) =>
      recordAttempt(
        trx,
        id,
        { success: result.success, logs: result.logs, status, nextAttemptAt: next },
        at,
      ),
    );
    if (next) this.#schedule({ ...claimed, next_attempt_at: next });
  }
}
