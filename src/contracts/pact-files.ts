import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';

/** One pact file on disk, with the names it gives its consumer and provider. */
export interface PactFile {
  file: string;
  consumer: string;
  provider: string;
  /** The file's JSON. */
  content: unknown;
}

/** Reads every `*.json` pact in `dir` (sorted by name); a file that is no pact is a usage error. */
export function readPactFiles(dir: string): PactFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new MeshpactError('invalid_usage', `no pact directory at ${dir}`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => readPactFile(join(dir, name)));
}

export function readPactFile(file: string): PactFile {
  let content: { consumer?: { name?: unknown }; provider?: { name?: unknown } };
  try {
    content = JSON.parse(readFileSync(file, 'utf8')) as typeof content;
  } catch (error) {
    throw new MeshpactError('invalid_usage', `${file} is not JSON: ${(error as Error).message}`);
  }
  const consumer = content.consumer?.name;
  const provider = content.provider?.name;
  if (typeof consumer !== 'string' || typeof provider !== 'string')
    throw new MeshpactError(
      'invalid_usage',
      `${file} is not a pact: it names no consumer and provider`,
    );
  return { file, consumer, provider, content };
}
