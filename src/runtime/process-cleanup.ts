// The last line of defence against processes left running. Services and
// test commands run in process groups of their own (so they can be stopped
// with everything they spawned), which also means a terminal's Ctrl-C and a
// parent's SIGTERM reach meshpact but not them: whatever meshpact is doing
// when it ends, it must take them down itself.

const groups = new Set<number>();
const closers = new Set<() => Promise<void>>();
let stopping = false;

function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills the process group `pgid` if this process exits while it runs (an
 * uncaught error, process.exit, a second Ctrl-C): 'exit' handlers cannot
 * wait, so this is SIGKILL. Returns the function to call once it has stopped.
 */
export function killOnExit(pgid: number): () => void {
  if (groups.size === 0) process.on('exit', killGroups);
  groups.add(pgid);
  return () => {
    groups.delete(pgid);
    if (groups.size === 0) process.off('exit', killGroups);
  };
}

/**
 * Ends this process at once by `signal`, which the kernel carries out, after
 * killing the process groups still running ('exit' handlers do not run then).
 * Not process.exit: Node's own ending, on process.exit as on an uncaught error,
 * first joins libuv's thread pool, where Pact's native verifier can be blocked
 * for ever (waiting on its proxy in this process), and would hang there, deaf
 * to signals.
 */
function endBy(signal: NodeJS.Signals): void {
  killGroups();
  // With no listener left, a signal gets its default action: the process ends.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/** Runs the closers, the last registered first, then ends the process by `signal`. */
function stopThenEndBy(signal: NodeJS.Signals): void {
  stopping = true;
  void (async () => {
    // The last started first: a service stops before the ones it depends on.
    for (const close of [...closers].reverse()) await close().catch(() => undefined);
    endBy(signal);
  })();
}

function onSignal(signal: NodeJS.Signals): void {
  // A command that listens itself (`up`, `run`: untilSignal) stops what it started, in order.
  if (process.listenerCount(signal) > 1) return;
  // A second signal while stopping: no more waiting.
  if (stopping) return endBy(signal);
  // Ends as the signal would have ended it, so a parent sees why.
  stopThenEndBy(signal);
}

function onFatalError(error: unknown): void {
  process.stderr.write(`meshpact: ${error instanceof Error ? error.stack : String(error)}\n`);
  // While stopping already (a service stopped under a request in flight), the stop goes on.
  if (!stopping) stopThenEndBy('SIGKILL');
}

/** A closed terminal (SIGHUP) must not leave services running either. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `close` on SIGINT, SIGTERM or SIGHUP when nothing else in this process listens
 * for them (a verify worker, `meshpact verify`, a test process), then ends the
 * process by that signal. Without this, a signal would end the process at
 * once and leave `close`'s service running. Returns the function to call once
 * it has been closed the ordinary way.
 */
export function stopOnSignal(close: () => Promise<void>): () => void {
  if (closers.size === 0) for (const each of SIGNALS) process.on(each, onSignal);
  closers.add(close);
  return () => {
    closers.delete(close);
    if (closers.size === 0 && !stopping) for (const each of SIGNALS) process.off(each, onSignal);
  };
}

/**
 * For a process whose work can block a thread of libuv's pool for ever, as
 * Pact's native verifier does: an uncaught error (an unhandled rejection too)
 * would make Node end the process, which waits for that thread, so it would
 * hang instead. Until the returned function is called, an uncaught error is
 * printed, runs the closers (stopOnSignal) and ends the process by SIGKILL.
 */
export function stopOnFatalError(): () => void {
  process.on('uncaughtException', onFatalError);
  return () => process.off('uncaughtException', onFatalError);
}
