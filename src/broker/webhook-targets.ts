import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Which hosts a webhook may reach. Loopback, link-local and unspecified
// addresses are the broker's own machine (its Postgres, admin ports, other
// services bound to 127.0.0.1) and the cloud metadata service at
// 169.254.169.254, which hands out credentials: on a shared broker (one with
// tokens) anyone who may create a webhook could otherwise make the broker
// call them. Private ranges (10/8, 172.16/12, 192.168/16) stay reachable:
// that is where CI servers usually are, and BROKER_WEBHOOK_HOSTS narrows
// webhooks to named hosts where that is too much (README, "Webhooks").

const local = new BlockList();
local.addSubnet('127.0.0.0', 8, 'ipv4');
local.addSubnet('169.254.0.0', 16, 'ipv4');
local.addSubnet('0.0.0.0', 8, 'ipv4');
local.addAddress('::1', 'ipv6');
local.addAddress('::', 'ipv6');
local.addSubnet('fe80::', 10, 'ipv6');

/** Whether an IP address is loopback, link-local or unspecified (IPv4-mapped IPv6 included). */
export function isLocalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && local.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether a URL's host is local without asking DNS: a local IP literal, or a
 * name that always means this machine (`localhost` and its subdomains, RFC 6761).
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return isLocalAddress(host) || host === 'localhost' || host.endsWith('.localhost');
}

/** Why a local target is refused, and how to allow it. */
export const localTargetsRefused =
  'loopback and link-local addresses are refused on a broker with tokens; BROKER_WEBHOOK_ALLOW_LOCAL=true allows them';

export class LocalTargetRefused extends Error {
  constructor(host: string, address: string) {
    super(
      `refused to call ${host}${address === host ? '' : ` (${address})`}: ${localTargetsRefused}`,
    );
    this.name = 'LocalTargetRefused';
  }
}

type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback);

/**
 * A `lookup` for the socket a webhook opens: it resolves the name when the
 * webhook runs and refuses it if any address is local, and the socket then
 * connects to the addresses checked, so a name cannot resolve to a public
 * address for the check and to 127.0.0.1 for the connection.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = addresses.find((entry) => isLocalAddress(entry.address));
      if (refused) return callback(new LocalTargetRefused(hostname, refused.address), '');
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      if (!first)
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
          '',
        );
      callback(null, first.address, first.family);
    });
  };
}
