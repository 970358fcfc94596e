/** The outcome of one interaction of one pact. */
export interface InteractionResult {
  consumer: string;
  description: string;
  success: boolean;
  /** The verifier's own mismatch texts, plus meshpact's frame checks for messages. */
  mismatches: string[];
  /** True when the pact was pending: a failure is reported but does not fail the build. */
  pending?: boolean;
}

/** What verifying one provider produced: the object the CLI, reports and the broker use. */
export interface VerificationReport {
  provider: string;
  success: boolean;
  interactions: InteractionResult[];
  /** What went wrong outside any one interaction's matching, e.g. a provider state that failed. */
  problems: string[];
  /** The verifier's human-readable output, without terminal colours. */
  output: string;
}

interface VerifierJson {
  result?: boolean;
  output?: string[];
  errors?: { interaction?: string; mismatch?: VerifierMismatch }[];
  pendingErrors?: { interaction?: string; mismatch?: VerifierMismatch }[];
  interactionResults?: {
    description?: string;
    result?: string;
    consumer?: string;
    pending?: boolean;
  }[];
}

interface VerifierMismatch {
  type?: string;
  message?: string;
  mismatches?: {
    mismatch?: string;
    path?: string;
    type?: string;
    expected?: string;
    actual?: string;
  }[];
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

/**
 * Reads the JSON the Rust verifier returns (pactffi_verifier_json): interaction
 * results and errors keyed by "Verifying a pact between C and P Given S - description".
 */
export function parseVerifierJson(
  provider: string,
  json: string,
  consumers: string[],
): VerificationReport {
  const parsed = JSON.parse(json) as VerifierJson;
  const failures = new Map<string, { texts: string[]; pending: boolean }>();
  const collect = (entries: VerifierJson['errors'], pending: boolean) => {
    for (const entry of entries ?? []) {
      const key = entry.interaction ?? '';
      const texts = failures.get(key)?.texts ?? [];
      texts.push(...mismatchTexts(entry.mismatch));
      failures.set(key, { texts, pending });
    }
  };
  collect(parsed.errors, false);
  collect(parsed.pendingErrors, true);

  const consumerOf = consumerScanner(parsed.output ?? []);
  const interactions = (parsed.interactionResults ?? []).map((result): InteractionResult => {
    const description = result.description ?? '(no description)';
    const scanned = result.consumer ?? consumerOf(description);
    const [key, failure] =
      [...failures].find(
        ([name]) =>
          name.endsWith(` - ${description}`) &&
          (scanned === undefined || name.startsWith(`Verifying a pact between ${scanned} and`)),
      ) ?? [];
    const consumer =
      scanned ??
      consumers.find((c) => key?.startsWith(`Verifying a pact between ${c} and`)) ??
      consumers[0] ??
      '';
    const success = result.result === 'OK';
    return {
      consumer,
      description,
      success,
      mismatches: success ? [] : (failure?.texts ?? ['failed']),
      ...(failure?.pending || result.pending ? { pending: true } : {}),
    };
  });
  return {
    provider,
    success: parsed.result ?? interactions.every((i) => i.success || i.pending),
    interactions,
    problems: [],
    output: (parsed.output ?? []).join('\n').replace(ANSI, ''),
  };
}

/**
 * The verifier's JSON does not say whose pact an interaction is from, but its
 * output does: a "Verifying a pact between C and P" heading, then each
 * interaction as "description (… loading, … verification)", in the order of
 * the results. Scanning forward pairs each result with its heading.
 */
function consumerScanner(output: string[]): (description: string) => string | undefined {
  const lines = output.join('\n').replace(ANSI, '').split('\n');
  let cursor = 0;
  let current: string | undefined;
  return (description) => {
    for (; cursor < lines.length; cursor++) {
      const line = lines[cursor]!;
      const heading = /^Verifying a pact between (.+?) and \S/.exec(line);
      if (heading) current = heading[1];
      else if (line.trim() === description || line.trim().startsWith(`${description} (`)) {
        cursor++;
        return current;
      }
    }
    return undefined;
  };
}

function mismatchTexts(mismatch: VerifierMismatch | undefined): string[] {
  if (!mismatch) return ['failed'];
  if (mismatch.mismatches?.length) {
    return mismatch.mismatches.map(
      (m) => `${m.path ? `${m.path} -> ` : ''}${m.mismatch ?? m.type ?? 'mismatch'}`,
    );
  }
  return [mismatch.message ?? mismatch.type ?? 'failed'];
}
