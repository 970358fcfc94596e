// Group commit: what callers ask for on one turn of the event loop is handed
// to `commit` as one batch, at most `batchSize` at a time and `concurrent`
// batches at once; while those commit, the next requests gather. A round trip
// per batch rather than per request is what 1000 users at once cost: the
// backend's run writer and run starts group their statements with it, and
// the client of auth-service's introspection groups its questions.

export interface GroupCommitOptions {
  /** Batches committing at once. */
  concurrent: number;
  /** Requests per batch at most: what one transaction should lock, or one request carry. */
  batchSize: number;
}

export class GroupCommit<T> {
  readonly #commit: (batch: T[]) => Promise<void>;
  readonly #options: GroupCommitOptions;
  #pending: T[] = [];
  #batches = 0;
  #scheduled = false;

  /** `commit` settles every request of its batch, and never rejects. */
  constructor(commit: (batch: T[]) => Promise<void>, options: GroupCommitOptions) {
    this.#commit = commit;
    this.#options = options;
  }

  add(request: T): void {
    this.#pending.push(request);
    this.#schedule();
  }

  /** Starts batches on the next turn of the event loop, so requests made together go together. */
  #schedule(): void {
    const { concurrent, batchSize } = this.#options;
    if (this.#scheduled || this.#batches >= concurrent || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#batches < concurrent && this.#pending.length > 0) {
        const batch = this.#pending.splice(0, batchSize);
        this.#batches++;
        void this.#commit(batch).finally(() => {
          this.#batches--;
          this.#schedule();
        });
      }
    });
  }
}
