import type { Queryable } from '../../runtime/db.js';

/** `{name}` or `{label}`; NULL in the row means any pacticipant. */
export interface PacticipantSelector {
  name?: string;
  label?: string;
}

/** The request a webhook makes, as stored: secrets in clear, templates unfilled. */
export interface StoredWebhookRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  username?: string | null;
  password?: string | null;
}

export interface WebhookFields {
  description: string | null;
  consumer: PacticipantSelector | null;
  provider: PacticipantSelector | null;
  events: string[];
  enabled: boolean;
  request: StoredWebhookRequest;
}

export interface WebhookRow extends WebhookFields {
  id: string;
  uuid: string;
  created_at: Date;
  updated_at: Date;
}

export type TriggeredStatus = 'not_run' | 'retrying' | 'success' | 'failure';

/** What a triggered webhook fires for; the template values are looked up from it when it runs. */
export interface TriggerContext {
  consumer: string;
  provider: string;
  sha?: string;
  consumerVersion?: string;
  providerVersion?: string;
  verificationId?: string;
}

export interface TriggeredRow {
  id: string;
  uuid: string;
  webhook_id: string;
  event_name: string;
  context: TriggerContext;
  status: TriggeredStatus;
  attempts_made: number;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ExecutionRow {
  id: string;
  triggered_webhook_id: string;
  success: boolean;
  logs: string;
  created_at: Date;
}

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

export async function findWebhook(db: Queryable, uuid: string): Promise<WebhookRow | undefined> {
  const { rows } = await db.query<WebhookRow>('SELECT * FROM broker_webhooks WHERE uuid = $1', [
    uuid,
  ]);
  return rows[0];
}

export async function findWebhookById(db: Queryable, id: string): Promise<WebhookRow | undefined> {
  const { rows } = await db.query<WebhookRow>('SELECT * FROM broker_webhooks WHERE id = $1', [id]);
  return rows[0];
}

/** Locks the webhook's row until the transaction ends (PUT reads, merges secrets, then writes). */
export async function findWebhookForUpdate(
  db: Queryable,
  uuid: string,
): Promise<WebhookRow | undefined> {
  const { rows } = await db.query<WebhookRow>(
    'SELECT * FROM broker_webhooks WHERE uuid = $1 FOR UPDATE',
    [uuid],
  );
  return rows[0];
}

/** Creates the webhook under `uuid`, or replaces the one there. */
export async function saveWebhook(
  db: Queryable,
  uuid: string,
  fields: WebhookFields,
  at: Date,
): Promise<{ row: WebhookRow; created: boolean }> {
  const { rows } = await db.query<WebhookRow & { created: boolean }>(
    `INSERT INTO broker_webhooks
       (uuid, description, consumer, provider, events, enabled, request, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (uuid) DO UPDATE
       SET description = EXCLUDED.description, consumer = EXCLUDED.consumer,
           provider = EXCLUDED.provider, events = EXCLUDED.events, enabled = EXCLUDED.enabled,
           request = EXCLUDED.request, updated_at = EXCLUDED.updated_at
     RETURNING *, (xmax = 0) AS created`,
    [
      uuid,
      fields.description,
      json(fields.consumer),
      json(fields.provider),
      fields.events,
      fields.enabled,
      JSON.stringify(fields.request),
      at,
    ],
  );
  const { created, ...row } = rows[0]!;
  return { row, created };
}

export async function deleteWebhook(db: Queryable, uuid: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM broker_webhooks WHERE uuid = $1', [uuid]);
  return (rowCount ?? 0) > 0;
}

/** All webhooks, or those naming exactly this consumer and/or provider. */
export async function listWebhooks(
  db: Queryable,
  scope: { consumer?: string; provider?: string } = {},
): Promise<WebhookRow[]> {
  const { rows } = await db.query<WebhookRow>(
    `SELECT * FROM broker_webhooks
      WHERE ($1::text IS NULL OR consumer->>'name' = $1)
        AND ($2::text IS NULL OR provider->>'name' = $2)
      ORDER BY id`,
    [scope.consumer ?? null, scope.provider ?? null],
  );
  return rows;
}

/**
 * The enabled webhooks for each event between two pacticipants (in the order
 * of `events`, each list by id), in one query: each side is any pacticipant,
 * the one named, or a label (the broker keeps no labels yet, so a label never
 * matches).
 */
export async function matchingWebhooks(
  db: Queryable,
  events: { name: string; consumer: string; provider: string }[],
): Promise<WebhookRow[][]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<WebhookRow & { event_index: string }>(
    `SELECT e.event_index, w.*
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
              AS e(name, consumer, provider, event_index)
       JOIN broker_webhooks w
         ON w.enabled AND e.name = ANY (w.events)
        AND (w.consumer IS NULL OR w.consumer->>'name' = e.consumer)
        AND (w.provider IS NULL OR w.provider->>'name' = e.provider)
      ORDER BY e.event_index, w.id`,
    [events.map((e) => e.name), events.map((e) => e.consumer), events.map((e) => e.provider)],
  );
  const matching = events.map((): WebhookRow[] => []);
  for (const { event_index: index, ...webhook } of rows) matching[Number(index) - 1]!.push(webhook);
  return matching;
}

export async function insertTriggered(
  db: Queryable,
  trigger: { uuid: string; webhookId: string; eventName: string; context: TriggerContext },
  at: Date,
): Promise<TriggeredRow> {
  const { rows } = await db.query<TriggeredRow>(
    `INSERT INTO broker_triggered_webhooks
       (uuid, webhook_id, event_name, context, status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'not_run', $5, $5, $5) RETURNING *`,
    [trigger.uuid, trigger.webhookId, trigger.eventName, JSON.stringify(trigger.context), at],
  );
  return rows[0]!;
}

/** Every triggered webhook still to run (not run yet, or waiting for a retry). */
export async function pendingTriggered(db: Queryable): Promise<TriggeredRow[]> {
  const { rows } = await db.query<TriggeredRow>(
    `SELECT * FROM broker_triggered_webhooks
      WHERE status IN ('not_run', 'retrying') AND next_attempt_at IS NOT NULL
      ORDER BY next_attempt_at, id`,
  );
  return rows;
}

/**
 * Takes the attempt due at `due` by moving its due time to `leaseUntil`; only
 * one caller (one broker process) wins. Should the winner die mid-attempt, the
 * attempt is due again once the lease has passed.
 */
export async function claimAttempt(
  db: Queryable,
  id: string,
  due: Date,
  leaseUntil: Date,
): Promise<TriggeredRow | undefined> {
  const { rows } = await db.query<TriggeredRow>(
    `UPDATE broker_triggered_webhooks SET next_attempt_at = $3
      WHERE id = $1 AND status IN ('not_run', 'retrying') AND next_attempt_at = $2
      RETURNING *`,
    [id, due, leaseUntil],
  );
  return rows[0];
}

/** Gives a claimed attempt back, due at `due` again (the broker is stopping). */
export async function releaseAttempt(db: Queryable, id: string, leaseUntil: Date, due: Date) {
  await db.query(
    `UPDATE broker_triggered_webhooks SET next_attempt_at = $3
      WHERE id = $1 AND next_attempt_at = $2`,
    [id, leaseUntil, due],
  );
}

/** Stores one execution and the triggered webhook's new status (call it in a transaction). */
export async function recordAttempt(
  db: Queryable,
  id: string,
  attempt: {
    success: boolean;
    logs: string;
    status: TriggeredStatus;
    nextAttemptAt: Date | null;
  },
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO broker_webhook_executions (triggered_webhook_id, success, logs, created_at)
     VALUES ($1, $2, $3, $4)`,
    [id, attempt.success, attempt.logs, at],
  );
  await db.query(
    `UPDATE broker_triggered_webhooks
        SET status = $2, attempts_made = attempts_made + 1, next_attempt_at = $3, updated_at = $4
      WHERE id = $1`,
    [id, attempt.status, attempt.nextAttemptAt, at],
  );
}

export interface TriggeredWithWebhook extends TriggeredRow {
  webhook_uuid: string;
  webhook_description: string | null;
}

const selectTriggered = `
  SELECT t.*, w.uuid AS webhook_uuid, w.description AS webhook_description
    FROM broker_triggered_webhooks t JOIN broker_webhooks w ON w.id = t.webhook_id`;

export async function findTriggered(
  db: Queryable,
  uuid: string,
): Promise<TriggeredWithWebhook | undefined> {
  const { rows } = await db.query<TriggeredWithWebhook>(`${selectTriggered} WHERE t.uuid = $1`, [
    uuid,
  ]);
  return rows[0];
}

export async function triggeredOfWebhook(
  db: Queryable,
  webhookId: string,
): Promise<TriggeredWithWebhook[]> {
  const { rows } = await db.query<TriggeredWithWebhook>(
    `${selectTriggered} WHERE t.webhook_id = $1 ORDER BY t.id`,
    [webhookId],
  );
  return rows;
}

/** Triggered webhooks for a pact: of one consumer version, or the newest per webhook. */
export async function triggeredForPact(
  db: Queryable,
  pact: { consumer: string; provider: string; consumerVersion?: string },
): Promise<TriggeredWithWebhook[]> {
  if (pact.consumerVersion !== undefined) {
    const { rows } = await db.query<TriggeredWithWebhook>(
      `${selectTriggered}
        WHERE t.context->>'consumer' = $1 AND t.context->>'provider' = $2
          AND t.context->>'consumerVersion' = $3
        ORDER BY t.id`,
      [pact.consumer, pact.provider, pact.consumerVersion],
    );
    return rows;
  }
  const { rows } = await db.query<TriggeredWithWebhook>(
    `SELECT * FROM (
       SELECT DISTINCT ON (t.webhook_id) t.*, w.uuid AS webhook_uuid,
              w.description AS webhook_description
         FROM broker_triggered_webhooks t JOIN broker_webhooks w ON w.id = t.webhook_id
        WHERE t.context->>'consumer' = $1 AND t.context->>'provider' = $2
        ORDER BY t.webhook_id, t.id DESC) newest
      ORDER BY id`,
    [pact.consumer, pact.provider],
  );
  return rows;
}

export async function executionsOf(db: Queryable, triggeredId: string): Promise<ExecutionRow[]> {
  const { rows } = await db.query<ExecutionRow>(
    'SELECT * FROM broker_webhook_executions WHERE triggered_webhook_id = $1 ORDER BY id',
    [triggeredId],
  );
  return rows;
}
