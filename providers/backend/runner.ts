import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Clock } from '../../src/runtime/clock.js';
import { retryWhileUnavailable, withTransaction, type Queryable } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { planRun, reasoningFor, type ToolCall } from './agent.js';
import { calculate, CalculatorError } from './calculator.js';
import { publishEvent } from './event-feed.js';
import * as store from './store.js';

export interface RunnerOptions {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** Pause between events, so a client can watch a run unfold (and tests can drop mid-run). */
  stepDelayMs: number;
}

type EventBody = AgentEvent extends infer E
  ? E extends AgentEvent
    ? Omit<E, 'event_id' | 'run_id' | 'thread_id' | 'agent_name' | 'seq' | 'timestamp'>
    : never
  : never;

/** What a run's steps write with: each call is one stored, announced event. */
interface RunEvents {
  start: (taskDescription: string) => Promise<void>;
  emit: (body: EventBody) => Promise<void>;
  finish: (status: RunEnd, finalResponse: string) => Promise<void>;
}

type RunEnd = 'succeeded' | 'failed' | 'cancelled';

/**
 * Executes agent runs in this process. Each event is written to Postgres with
 * its seq, together with any change of the run's status, in one transaction
 * that also NOTIFYs the gateways; Postgres delivers the notification only on
 * commit, so a gateway never announces an event that is not stored. A run
 * whose event cannot be stored ends as failed (with agent_started first if it
 * had none yet), never left queued or running without a word.
 */
export class AgentRunner {
  readonly #options: RunnerOptions;
  readonly #running = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  /** Starts a queued run in the background. */
  start(run: store.RunRow): void {
    if (this.#abort.signal.aborted) throw new Error('the runner is stopping');
    const done = this.#execute(run)
      .catch((error: unknown) =>
        this.#options.logger.error({ err: error, run_id: run.id }, 'run failed'),
      )
      .finally(() => this.#running.delete(run.id));
    this.#running.set(run.id, done);
  }

  /**
   * Lets runs in progress finish for `graceMs`; runs still going then end
   * with agent_completed {status: "cancelled"}, so no stored run lacks its end.
   */
  async close(graceMs = 5_000): Promise<void> {
    const all = Promise.all(this.#running.values());
    const timer = setTimeout(() => this.#abort.abort(), graceMs);
    await all;
    clearTimeout(timer);
    this.#abort.abort();
  }

  async #execute(run: store.RunRow): Promise<void> {
    const { db, clock } = this.#options;
    /** The last seq stored: it moves only when an event's transaction commits. */
    let seq = 0;
    const emit = async (body: EventBody, change?: (trx: Queryable, at: Date) => Promise<void>) => {
      const at = clock.now();
      const event = {
        ...body,
        event_id: randomUUID(),
        run_id: run.id,
        thread_id: run.thread_id,
        agent_name: run.agent_name,
        seq: seq + 1,
        timestamp: at.toISOString(),
      } as AgentEvent;
      // A database that is restarting is waited for, so a short outage does not end the run.
      await retryWhileUnavailable(
        () =>
          withTransaction(db, async (trx) => {
            await store.insertEvent(trx, run.tenant_id, event, at);
            if (change) await change(trx, at);
            await publishEvent(trx, run.tenant_id, event);
          }),
        {
          signal: this.#abort.signal,
          committed: () => store.eventStored(db, run.id, event.seq, event.event_id),
        },
      );
      seq = event.seq;
    };
    const finish = (status: RunEnd, finalResponse: string) =>
      emit({ type: 'agent_completed', status, final_response: finalResponse }, async (trx, at) => {
        await store.markRunFinished(trx, run.id, { status, finalResponse, at });
        // The answer joins the conversation as the assistant's message.
        await store.insertMessage(trx, {
          id: randomUUID(),
          tenant_id: run.tenant_id,
          thread_id: run.thread_id,
          role: 'assistant',
          content: finalResponse,
          run_id: run.id,
          created_at: at,
          idempotency_key: null,
          request_digest: null,
        });
      });

    const start = (taskDescription: string) =>
      emit({ type: 'agent_started', task_description: taskDescription }, (trx, at) =>
        store.markRunStarted(trx, run.id, at),
      );

    try {
      await this.#steps(run, { start, emit, finish });
    } catch (error) {
      this.#options.logger.error({ err: error, run_id: run.id }, 'run failed; ending it');
      const failure = 'The run failed: one of its events could not be stored.';
      if (seq === 0) await start(failure);
      await finish('failed', failure);
    }
  }

  /** The run's events, as its input plans them. */
  async #steps(run: store.RunRow, { start, emit, finish }: RunEvents): Promise<void> {
    const plan = planRun(run.input);
    await start(plan.task);
    const results: string[] = [];
    for (let step = 1; step <= plan.thinkingSteps; step++) {
      if (await this.#pause())
        return finish('cancelled', 'The run was cancelled: the server is shutting down.');
      await emit({ type: 'agent_thinking', step, reasoning: reasoningFor(plan, step) });
    }
    for (const call of plan.tools) {
      if (await this.#pause())
        return finish('cancelled', 'The run was cancelled: the server is shutting down.');
      await emit({
        type: 'tool_executing',
        tool_call_id: call.toolCallId,
        tool_name: call.toolName,
        parameters: call.parameters,
      });
      const started = Date.now();
      const outcome = await this.#callTool(run.tenant_id, call);
      const duration_ms = Date.now() - started;
      if (await this.#pause())
        return finish('cancelled', 'The run was cancelled: the server is shutting down.');
      if (outcome.success) {
        results.push(`${call.toolName}: ${JSON.stringify(outcome.result)}`);
        await emit({
          type: 'tool_completed',
          tool_call_id: call.toolCallId,
          tool_name: call.toolName,
          success: true,
          duration_ms,
          result: outcome.result,
        });
      } else {
        results.push(`${call.toolName} failed: ${outcome.error.message}`);
        await emit({
          type: 'tool_completed',
          tool_call_id: call.toolCallId,
          tool_name: call.toolName,
          success: false,
          duration_ms,
          error: outcome.error,
        });
      }
    }
    if (await this.#pause())
      return finish('cancelled', 'The run was cancelled: the server is shutting down.');
    if (plan.fail) return finish('failed', `I could not complete "${plan.task}".`);
    const answer =
      results.length === 0 ? `Done: ${plan.task}` : `Done: ${plan.task}. ${results.join('; ')}`;
    return finish('succeeded', answer);
  }

  async #callTool(
    tenantId: string,
    call: ToolCall,
  ): Promise<
    | { success: true; result: Record<string, unknown> }
    | { success: false; error: { code: string; message: string } }
  > {
    try {
      if ('expression' in call.parameters) {
        return { success: true, result: { value: calculate(call.parameters.expression) } };
      }
      const hits = await store.searchTenant(this.#options.db, tenantId, call.parameters.query, 5);
      return { success: true, result: { hits } };
    } catch (error) {
      if (error instanceof CalculatorError)
        return { success: false, error: { code: error.code, message: error.message } };
      // Whatever breaks inside a tool is the tool's failure, not the run's: the run still completes.
      this.#options.logger.error({ err: error, tool: call.toolName }, 'tool failed');
      return {
        success: false,
        error: { code: 'tool_error', message: `${call.toolName} failed unexpectedly` },
      };
    }
  }

  /** Waits the step delay; true when the runner is being stopped. */
  async #pause(): Promise<boolean> {
    const signal = this.#abort.signal;
    if (this.#options.stepDelayMs > 0 && !signal.aborted) {
      await sleep(this.#options.stepDelayMs, undefined, { signal }).catch(() => undefined);
    }
    return signal.aborted;
  }
}
