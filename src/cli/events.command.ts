import { Command, InvalidArgumentError, Option } from 'commander';
import WebSocket from 'ws';
import { MeshpactError } from '../errors/meshpact-error.js';
import { untilSignal } from '../runtime/signals.js';
import type { CliContext } from './context.js';

interface EventsOptions {
  url: string;
  token?: string;
  thread: string;
  run?: string;
  afterSeq?: number;
  untilCompleted?: boolean;
  connectTimeout: number;
}

function seq(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function milliseconds(value: string): number {
  const ms = seq(value);
  if (ms < 1 || ms > 600_000) throw new InvalidArgumentError('must be from 1 to 600000');
  return ms;
}

/**
 * A small command-line client of /ws: subscribes to a thread (optionally
 * replaying one run from a seq) and prints every frame as a JSON line.
 */
export function eventsCommand(context: CliContext): Command {
  return new Command('events')
    .description("Watch a thread's agent events on backend-events (/ws), one JSON frame a line.")
    .requiredOption('--thread <id>', 'the thread to follow')
    .option('--run <id>', 'replay this run of the thread first')
    .addOption(
      new Option('--after-seq <n>', 'replay the run from after this seq (needs --run)').argParser(
        seq,
      ),
    )
    .option(
      '--until-completed',
      'exit 0 once the run given by --run (or the first run seen) completes',
    )
    .option(
      '--url <url>',
      'backend-api base URL (env MESHPACT_BACKEND_URL)',
      context.env.MESHPACT_BACKEND_URL ?? 'http://127.0.0.1:4002',
    )
    .option('--token <jwt>', 'access token (env MESHPACT_TOKEN)')
    .addOption(
      new Option(
        '--connect-timeout <ms>',
        'give up when the gateway has not answered the handshake by then',
      )
        .argParser(milliseconds)
        .default(10_000),
    )
    .addHelpText(
      'after',
      `
Example:
  $ export MESHPACT_TOKEN=$(curl -s -X POST localhost:4001/auth/login -H 'content-type: application/json' \\
      -d '{"email":"alice@example.com","password":"correct horse battery"}' | jq -r .access_token)
  $ npx meshpact events --url http://127.0.0.1:4002 --thread 3c951ac6-7161-4649-9695-eeeebff9c1b8`,
    )
    .action(async (options: EventsOptions) => {
      const token = options.token ?? context.env.MESHPACT_TOKEN;
      if (!token) throw new MeshpactError('invalid_usage', 'give --token or set MESHPACT_TOKEN');
      if (options.afterSeq !== undefined && options.run === undefined) {
        throw new MeshpactError('invalid_usage', '--after-seq needs --run');
      }
      const url = `${options.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`;
      // A gateway that accepts the connection and never answers must not hold the command forever.
      const ws = new WebSocket(url, ['meshpact.v1', `bearer.${token}`], {
        handshakeTimeout: options.connectTimeout,
      });
      // Listen before the socket opens: the gateway greets at once.
      let watched = options.run;
      const finished = new Promise<string>((resolve) => {
        ws.on('message', (data: Buffer) => {
          const text = data.toString('utf8');
          context.out(text);
          const frame = JSON.parse(text) as { type: string; run_id?: string };
          watched ??= frame.type.startsWith('agent_') ? frame.run_id : undefined;
          if (
            options.untilCompleted &&
            frame.type === 'agent_completed' &&
            frame.run_id === watched
          )
            resolve('completed');
        });
        ws.once('close', (code, reason) => resolve(`closed ${code} ${reason.toString()}`));
      });
      const refused = new Promise<never>((_resolve, reject) => {
        ws.once('unexpected-response', (_request, response) =>
          reject(
            new MeshpactError(
              'unauthorized',
              `${url} refused the connection: HTTP ${response.statusCode}`,
            ),
          ),
        );
        ws.once('error', (error) =>
          reject(new Error(`cannot connect to ${url}: ${error.message}`)),
        );
      });
      await Promise.race([new Promise((resolve) => ws.once('open', resolve)), refused]);

      ws.send(
        JSON.stringify({
          type: 'subscribe',
          thread_id: options.thread,
          ...(options.run ? { run_id: options.run } : {}),
          ...(options.afterSeq !== undefined ? { after_seq: options.afterSeq } : {}),
        }),
      );
      const done = new AbortController();
      const outcome = await Promise.race([finished, untilSignal(done.signal)]);
      done.abort();
      ws.close(1000);
      if (outcome?.startsWith('closed')) throw new Error(`the gateway ${outcome}`);
    });
}
