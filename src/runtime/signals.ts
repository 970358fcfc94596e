/**
 * Resolves on the first SIGINT or SIGTERM, so a long-running command can stop
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
    };
    const first = (signal: NodeJS.Signals) => {
      stopListening();
      const again = () => process.exit(130);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
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
