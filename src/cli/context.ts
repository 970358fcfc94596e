/** Exit codes shared by every command. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
  /** Writes without a newline, for a progress line that updates in place. */
  write(text: string): void;
  /** Whether stdout is an interactive terminal. */
  readonly tty: boolean;
  /** A command's verdict; the process exits with the highest one set. */
  setExitCode(code: ExitCode): void;
}

/** Stops what a long-running command started, reporting each failure on its own line. */
export async function stopAll(
  supervisor: { stop(): Promise<Error[]> },
  context: CliContext,
): Promise<void> {
  const problems = await supervisor.stop();
  for (const problem of problems) context.err(`meshpact: ${problem.message}`);
  if (problems.length > 0) context.setExitCode(exitCodes.failed);
}
