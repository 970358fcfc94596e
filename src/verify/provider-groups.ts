import type { Mesh } from '../contracts/mesh-model.js';
import { startOrder } from '../runtime/mesh-services.js';

/**
 * The providers in groups that share a service (one serves another's
 * socket, or depends on the same auth-service), each group in the order
 * given. A group is verified on one set of its services, one provider after
 * another: each provider's states rewrite the data the others' use, so they
 * cannot be verified side by side on the same services, and starting the
 * same services once for each provider was most of what verifying cost.
 * Groups that share nothing are verified side by side.
 */
export function providersSharingServices(mesh: Mesh, providers: readonly string[]): string[][] {
  const groups: { providers: string[]; services: Set<string> }[] = [];
  for (const provider of providers) {
    const services = new Set(startOrder(mesh, [provider], true).map((service) => service.name));
    const sharing = groups.filter((group) => [...services].some((s) => group.services.has(s)));
    const joined = { providers: [provider], services };
    for (const group of sharing) {
      joined.providers.unshift(...group.providers);
      for (const service of group.services) joined.services.add(service);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(joined);
  }
  const order = (name: string) => providers.indexOf(name);
  return groups
    .map((group) => group.providers.sort((a, b) => order(a) - order(b)))
    .sort((a, b) => order(a[0]!) - order(b[0]!));
}
