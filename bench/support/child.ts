import { spawn } from 'node:child_process';

// A benchmark's helper processes (a client fleet, a producer, a raw server)
// answer calls over Node's IPC channel: the parent sends `{id, call, args}`,
// the child answers `{id, result}` or `{id, error}`. A child stops on SIGINT,
// SIGTERM, or when its parent goes away (the channel closes), so none
// outlives the benchmark.

interface Request {
  id: number;
  call: string;
  args: unknown;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

export interface Child {
  readonly pid: number;
  /** Runs `call` in the child and resolves with its answer. */
  call<T>(call: string, args?: unknown): Promise<T>;
  /** SIGTERM, then SIGKILL if the child is still there after 5 s. */
  stop(): Promise<void>;
}

/** Starts `script` (TypeScript, through tsx) as a child answering calls; `execArgv` go to node, e.g. `--cpu-prof`. */
export function startChild(script: string, execArgv: string[] = []): Child {
  const child = spawn(process.execPath, [...execArgv, '--import', 'tsx', script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const { reject } of pending.values())
        reject(new Error(`${script} exited (${signal ?? code}) before answering`));
      pending.clear();
      resolve();
    }),
  );
  child.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiting?.reject(new Error(`${script}: ${reply.error}`));
    else waiting?.resolve(reply.result);
  });
  return {
    pid: child.pid!,
    call<T>(call: string, args?: unknown) {
      return new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, call, args } satisfies Request);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's side: answers each call with `handlers[call](args)`, and runs
 * `cleanup` once before exiting on a signal or when the parent goes away.
 */
export function serve(
  handlers: Record<string, (args: never) => unknown>,
  cleanup: () => Promise<void> = () => Promise.resolve(),
): void {
  process.on('message', (request: Request) => {
    const handler = handlers[request.call];
    void Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no call ${request.call}`);
        return handler(request.args as never);
      })
      .then(
        (result) => process.send?.({ id: request.id, result } satisfies Reply),
        (error: unknown) =>
          process.send?.({
            id: request.id,
            error: error instanceof Error ? error.message : String(error),
          } satisfies Reply),
      );
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void cleanup().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop).on('SIGTERM', stop).on('disconnect', stop);
}
