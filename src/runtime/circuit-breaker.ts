import { systemClock, type Clock } from './clock.js';

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before it lets one through to try. */
  cooldownMs?: number;
  clock?: Clock;
}

/**
 * Stops calling a dependency that keeps failing. After `failureThreshold`
 * failures in a row the circuit opens: calls are refused at once, without
 * waiting for a timeout each, for `cooldownMs`. Then one call is let through;
 * its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  #failures = 0;
  #openedAt: number | undefined;
  #trying = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#cooldownMs = options.cooldownMs ?? 5_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Whether a call may go out now; a caller that gets true must report how it went. */
  allows(): boolean {
    if (this.#openedAt === undefined) return true;
    if (this.#trying || this.#clock.now().getTime() - this.#openedAt < this.#cooldownMs)
      return false;
    this.#trying = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#trying = false;
  }

  failed(): void {
    this.#failures += 1;
    if (this.#trying || this.#failures >= this.#threshold)
      this.#openedAt = this.#clock.now().getTime();
    this.#trying = false;
  }

  /** Runs `call` unless the circuit is open, in which case `refused()` is thrown instead. */
  async run<T>(call: () => Promise<T>, refused: () => Error): Promise<T> {
    if (!this.allows()) throw refused();
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (error) {
      this.failed();
      throw error;
    }
  }
}
