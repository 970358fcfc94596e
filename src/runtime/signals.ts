/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP, so a long-running command can stop
 * what it started and return its exit code. A second signal while stopping
 * exits at once (130), for a user who presses Ctrl-C twice. When `cancel`
 * aborts first (the command ended on its own), the listeners are removed and
 * it resolves with undefined.
 */
export function untilSignal(cancel?: AbortSignal): Promise<NodeJS.Signals | undefined> {
  return new Promise((resolve) => {
    const stopListening = () => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      process.off('SIGHUP', first);
    };
    const first = (signal: NodeJS.Signals) => {
      stopListening();
      // Listening for each signal still matters to process-cleanup.ts, which
      // steps aside only while a command listens too: a second SIGHUP must not
      // find it alone and end the process by the signal, mid-stop.
      const again = () => process.exit(130);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      process.once('SIGHUP', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
    // A closed terminal or a dropped ssh session: stop as for Ctrl-C.
    process.on('SIGHUP', first);
    cancel?.addEventListener(
      'abort',
      () => {
        stopListening();
        resolve(undefined);
      },
      { once: true },
    );
  });
}
