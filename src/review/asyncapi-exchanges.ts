import { decodePointerToken, isObject, type JsonObject } from '../contracts/json-values.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import type { Exchange, Follow } from './exchanges.js';
import type { Direction } from './schema-diff.js';

// The exchanges of an AsyncAPI 3 document, from the server's side: the
// messages of a `receive` operation are sent by clients (accepted), those of
// a `send` operation by the server (produced), and an operation's reply goes
// the other way.

interface Found {
  name: string;
  channel: string;
  direction: Direction;
  payload: unknown;
}

export function asyncApiExchanges(document: string, doc: JsonObject, follow: Follow): Exchange[] {
  if (typeof doc.asyncapi === 'string' && doc.asyncapi.startsWith('2.'))
    throw new MeshpactError(
      'invalid_usage',
      `schemas/${document}: AsyncAPI 2.x is not supported: the review reads AsyncAPI 3 send and receive operations (the AsyncAPI CLI's "asyncapi convert" writes them)`,
    );
  const found: Found[] = [];
  const collect = (list: unknown, direction: Direction, channel: string) => {
    for (const listed of Array.isArray(list) ? list : []) {
      const message = follow(listed);
      if (!isObject(message)) continue;
      const ref = isObject(listed) && typeof listed.$ref === 'string' ? listed.$ref : '';
      const name =
        typeof message.name === 'string'
          ? message.name
          : decodePointerToken(ref.split('/').at(-1) ?? '');
      // AsyncAPI 3 wraps a payload of another schema format in {schemaFormat, schema}.
      const payload = message.payload;
      found.push({
        name,
        channel,
        direction,
        payload: isObject(payload) && 'schemaFormat' in payload ? payload.schema : payload,
      });
    }
  };
  for (const operation of Object.values(isObject(doc.operations) ? doc.operations : {})) {
    if (!isObject(operation)) continue;
    const direction: Direction = operation.action === 'receive' ? 'accepted' : 'produced';
    const channel = channelOf(operation.channel);
    collect(operation.messages, direction, channel);
    if (isObject(operation.reply))
      collect(
        operation.reply.messages,
        direction === 'accepted' ? 'produced' : 'accepted',
        channelOf(operation.reply.channel) || channel,
      );
  }
  // Messages of one name on several channels (an `error` on each) are told apart by their channel.
  const channels = new Map<string, Set<string>>();
  for (const { name, direction, channel } of found) {
    const key = `${direction} ${name}`;
    channels.set(key, (channels.get(key) ?? new Set()).add(channel));
  }
  return found.flatMap(({ name, channel, direction, payload }): Exchange[] => {
    if (!isObject(payload) && typeof payload !== 'boolean') return [];
    const shown =
      (channels.get(`${direction} ${name}`)?.size ?? 0) > 1 ? `${name} (channel ${channel})` : name;
    return [
      {
        document,
        id: `${channel}\u0000${name}`,
        name: shown,
        direction,
        schema: payload,
        site: { kind: 'message', name: shown },
      },
    ];
  });
}

/** The name of the channel a `$ref` (`#/channels/events`) points to; '' for none. */
function channelOf(channel: unknown): string {
  if (!isObject(channel) || typeof channel.$ref !== 'string') return '';
  return decodePointerToken(channel.$ref.split('/').at(-1) ?? '');
}
