import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Clock } from '../../src/runtime/clock.js';
import type { Queryable } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import { inTrace } from '../../src/runtime/trace-context.js';
import { spanOfTrace } from '../../src/runtime/traceparent.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { planRun, reasoningFor, type ToolCall } from './agent.js';
import { calculate, CalculatorError } from './calculator.js';
import { endAsFailed, type EventBody, type RunEnd } from './run-events.js';
import { claimRuns, renewLease, RunLeaseLost } from './run-leases.js';
import { RunWriter } from './run-writer.js';
import * as store from './store.js';

export interface RunnerOptions {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** Pause between events, so a client can watch a run unfold (and tests can drop mid-run). */
  stepDelayMs: number;
  /** How long a claim on a run lasts unrenewed (RUN_LEASE_MS); it is renewed every third of it. */
  leaseMs: number;
}

/** What a run's steps write with: each call is one stored, announced event. */
interface RunEvents {
  start: (taskDescription: string) => Promise<void>;
  emit: (body: EventBody) => Promise<void>;
  finish: (status: RunEnd, finalResponse: string) => Promise<void>;
}

interface Execution {
  done: Promise<void>;
  /** Aborted when the run's lease was found lost: the run stops at once, writing nothing more. */
  lost: AbortController;
}

/**
 * Executes agent runs in this process. Each event is written to Postgres with
 * its seq, together with any change of the run's status, in a transaction
 * that also NOTIFYs the gateways and that the events of other runs in
 * progress share (run-writer.ts). A run whose event cannot be
 * stored ends as failed (with agent_started first if it had none yet), never
 * left queued or running without a word.
 *
 * Several backends may share one Postgres, and a backend may die mid-run: so
 * the runner holds a lease on each run it executes (run-leases.ts), claimed
 * when the run is stored and renewed every third of RUN_LEASE_MS, and writes
 * each event only while it holds the run. A run whose lease lapses is ended
 * by a sweeper (run-sweeper.ts); its runner, if it still lives, then stops.
 */
export class AgentRunner {
  /** This process's name on the runs it holds; random, so a restarted process holds none of its predecessor's. */
  readonly owner = randomUUID();
  readonly #options: RunnerOptions;
  readonly #running = new Map<string, Execution>();
  readonly #abort = new AbortController();
  readonly #writer: RunWriter;
  readonly #heartbeat: NodeJS.Timeout;
  #renewing: Promise<void> | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#writer = new RunWriter({
      db: options.db,
      clock: options.clock,
      owner: this.owner,
      leaseMs: options.leaseMs,
      signal: this.#abort.signal,
    });
    this.#heartbeat = setInterval(() => {
      // One renewal at a time: a slow database must not pile them up.
      this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    }, options.leaseMs / 3);
    // Runs in progress keep the process alive by themselves; the beat alone must not.
    this.#heartbeat.unref();
  }

  /** Makes the runs this runner's; call it in the transaction that inserts them, so no sweeper ever sees one unheld. */
  claim(trx: Queryable, ...runIds: string[]): Promise<void> {
    return claimRuns(trx, runIds, this.owner, this.#options.leaseMs);
  }

  /** Whether this runner is executing the run now. */
  isRunning(runId: string): boolean {
    return this.#running.has(runId);
  }

  /** Starts a queued run this runner has claimed, in the background. */
  start(run: store.RunRow): void {
    if (this.#abort.signal.aborted) throw new Error('the runner is stopping');
    const lost = new AbortController();
    // In the trace of the request that started it, wherever the run is executed.
    const done = inTrace(spanOfTrace(run.trace_id), () =>
      this.#execute(run, lost.signal).catch((error: unknown) =>
        this.#options.logger.error({ err: error, run_id: run.id }, 'run failed'),
      ),
    ).finally(() => this.#running.delete(run.id));
    this.#running.set(run.id, { done, lost });
  }

  /**
   * Lets runs in progress finish for `graceMs`; runs still going then end
   * with agent_completed {status: "cancelled"}, so no stored run lacks its end.
   */
  async close(graceMs = 5_000): Promise<void> {
    const all = Promise.all([...this.#running.values()].map((execution) => execution.done));
    const timer = setTimeout(() => this.#abort.abort(), graceMs);
    await all;
    clearTimeout(timer);
    this.#abort.abort();
    clearInterval(this.#heartbeat);
    await this.#renewing;
  }

  /** Renews the leases of the runs in progress; a run whose lease is gone stops. */
  async #renew(): Promise<void> {
    const ids = [...this.#running.keys()];
    if (ids.length === 0) return;
    const { db, leaseMs, logger } = this.#options;
    for (const id of ids) {
      try {
        if (!(await renewLease(db, id, this.owner, leaseMs))) this.#running.get(id)?.lost.abort();
      } catch (error) {
        // The next beat tries again; a lease that lapses meanwhile is found at the next event.
        logger.warn({ err: error, run_id: id }, 'could not renew the lease of a run in progress');
      }
    }
  }

  async #execute(run: store.RunRow, lost: AbortSignal): Promise<void> {
    const { logger } = this.#options;
    const stored = (type: AgentEvent['type'], seq: number) =>
      logger.debug({ run_id: run.id, seq, type }, 'run event stored');
    const finished = (status: RunEnd, seq: number) => {
      stored('agent_completed', seq);
      logger.info({ run_id: run.id, status, events: seq }, 'run finished');
    };
    const write = (body: EventBody) => this.#writer.write(run, body, lost);
    const events: RunEvents = {
      start: async (task) =>
        stored('agent_started', await write({ type: 'agent_started', task_description: task })),
      emit: async (body) => stored(body.type, await write(body)),
      finish: async (status, response) =>
        finished(
          status,
          await write({ type: 'agent_completed', status, final_response: response }),
        ),
    };

    try {
      await this.#steps(run, events, lost);
    } catch (error) {
      if (error instanceof RunLeaseLost) {
        logger.warn(
          { run_id: run.id },
          'run no longer held (ended elsewhere, or deleted with its thread); stopping it',
        );
        return;
      }
      logger.error({ err: error, run_id: run.id }, 'run failed; ending it');
      const seq = await this.#writer.alone(run, lost, (trx, at, id) =>
        endAsFailed(trx, run, 'The run failed: one of its events could not be stored.', at, id),
      );
      finished('failed', seq);
    }
  }

  /** The run's events, as its input plans them. */
  async #steps(
    run: store.RunRow,
    { start, emit, finish }: RunEvents,
    lost: AbortSignal,
  ): Promise<void> {
    const plan = planRun(run.input);
    await start(plan.task);
    const results: string[] = [];
    for (let step = 1; step <= plan.thinkingSteps; step++) {
      if (await this.#pause(lost))
        return finish('cancelled', 'The run was cancelled: the server is shutting down.');
      await emit({ type: 'agent_thinking', step, reasoning: reasoningFor(plan, step) });
    }
    for (const call of plan.tools) {
      if (await this.#pause(lost))
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
      if (await this.#pause(lost))
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
    if (await this.#pause(lost))
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

  /** Waits the step delay (less if the run's lease is lost); true when the runner is being stopped. */
  async #pause(lost: AbortSignal): Promise<boolean> {
    const signal = AbortSignal.any([this.#abort.signal, lost]);
    if (this.#options.stepDelayMs > 0 && !signal.aborted) {
      await sleep(this.#options.stepDelayMs, undefined, { signal }).catch(() => undefined);
    }
    return this.#abort.signal.aborted;
  }
}
