import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Mesh } from './mesh-model.js';
import { pactBodyJson } from './pact-bodies.js';
import { ContractSchemaCheck, type ExampleProblem } from './schema-check.js';

export interface PactFileReport {
  file: string;
  consumer: string;
  provider: string;
  interactions: number;
  problems: ExampleProblem[];
}

interface PactBody {
  content?: unknown;
  contentType?: string;
  encoded?: boolean | string;
}

interface PactInteraction {
  type?: string;
  description?: string;
  /** HTTP: method, path, body; a synchronous message: contents. */
  request?: { method?: string; path?: string; body?: PactBody; contents?: PactBody };
  /** HTTP: one response; a synchronous message: its response messages. */
  response?: { status?: number; body?: PactBody } | { contents?: PactBody }[];
  contents?: PactBody;
}

interface PactFile {
  consumer?: { name?: string };
  provider?: { name?: string };
  interactions?: PactInteraction[];
}

/** Every pact file in `target` (a file or a directory), checked example by example against schemas/. */
export function checkPactFiles(target: string, mesh: Mesh): PactFileReport[] {
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(target, name))
    : [target];
  const check = new ContractSchemaCheck(mesh);
  return files.map((file) => {
    const pact = JSON.parse(readFileSync(file, 'utf8')) as PactFile;
    const provider = pact.provider?.name ?? '(unknown)';
    const kind = mesh.pacticipants.get(provider)?.kind;
    const problems: ExampleProblem[] = [];
    for (const interaction of pact.interactions ?? []) {
      const description = interaction.description ?? '(no description)';
      const { request, response } = interaction;
      if (interaction.type === 'Synchronous/HTTP' && kind === 'http' && !Array.isArray(response)) {
        problems.push(
          ...check.http(provider, {
            description,
            method: request?.method ?? 'GET',
            path: request?.path ?? '/',
            requestBody: pactBodyJson(request?.body),
            status: response?.status ?? 200,
            responseBody: pactBodyJson(response?.body),
          }),
        );
      } else if (interaction.type === 'Synchronous/Messages' && kind === 'message') {
        const messages = Array.isArray(response) ? response : [];
        problems.push(
          ...check.conversation(
            provider,
            description,
            pactBodyJson(request?.contents),
            messages.length === 1 ? pactBodyJson(messages[0]?.contents) : undefined,
          ),
        );
      } else if (interaction.type === 'Asynchronous/Messages' && kind === 'message') {
        problems.push(...check.message(provider, description, pactBodyJson(interaction.contents)));
      } else {
        problems.push({
          interaction: description,
          part: 'interaction',
          schema: '(none)',
          issues: [
            {
              path: '/',
              message: `a ${interaction.type ?? 'typeless'} interaction cannot be checked for ${provider}`,
            },
          ],
        });
      }
    }
    return {
      file,
      consumer: pact.consumer?.name ?? '(unknown)',
      provider,
      interactions: pact.interactions?.length ?? 0,
      problems,
    };
  });
}
