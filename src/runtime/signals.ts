/**
 * Resolves on the first SIGINT or SIGTERM, so a long-running command can stop
 * what it started and return its exit code. A second signal while stopping
 * exits at once (130), for a user who presses Ctrl-C twice.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      const again = () => process.exit(130);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
