export interface Stoppable {
  close(): Promise<void>;
}

/**
 * Owns what a process started (Postgres, pools, servers) and stops it in
 * reverse order, so a server stops before the pool it uses and the pool before
 * its database. Stopping twice is harmless; one failure does not keep the rest
 * running.
 */
export class Supervisor {
  readonly #stack: { name: string; resource: Stoppable }[] = [];
  #stopping: Promise<Error[]> | undefined;

  /** Registers something to stop later, and hands it back. */
  own<T extends Stoppable>(name: string, resource: T): T {
    if (this.#stopping) throw new Error(`cannot start ${name}: shutting down`);
    this.#stack.push({ name, resource });
    return resource;
  }

  /** Stops everything; resolves with the errors met on the way (empty when clean). */
  stop(): Promise<Error[]> {
    this.#stopping ??= (async () => {
      const errors: Error[] = [];
      for (const { name, resource } of this.#stack.reverse()) {
        try {
          await resource.close();
        } catch (error) {
          errors.push(new Error(`stopping ${name}: ${(error as Error).message}`, { cause: error }));
        }
      }
      return errors;
    })();
    return this.#stopping;
  }
}
