/**
 * SCALE (SOL005 ScaleNsRequest, SCALE_NS): sites leave and join a running
 * NS while the other tunnels keep carrying traffic.
 *  - Removal first (a site can move to another domain in one request): the
 *    removed sites' tunnels lose their SAs and policies at the sites that
 *    stay (outbound first), then each domain removes the routers, site hosts
 *    and LANs; the NS record is saved at once, so a later failure cannot
 *    bring removed sites back to life in the record.
 *  - Addition: the new sites are deployed, their tunnels to every site on
 *    the same protected link are keyed (key-id synchronisation, master
 *    obtains, peer fetches by id) and installed inbound-first, then checked
 *    on every router involved. Every step registers its undo.
 * Addresses come from the NSD's full address plan, the same a site gets at
 * instantiation, and every router's routes already lead to every possible
 * peer: the routers that stay are not reconfigured beyond their SAs.
 */
import { QnfvError } from '../../common/index.js';
import { SpiAllocator } from '../ccips/index.js';
import type { NsInstance, TunnelRecord, VimAccount } from '../model.js';
import type { OperationContext } from './operation-runner.js';
import type { DomainClient, DomainConnector } from './domain-client.js';
import { restrictPlan, type IpPlan } from './ip-plan.js';
import { buildIntents, deploySites, establishedEvent, installTunnels, keyTunnels, tunnelRecord, verifySas, type PlannedTunnel } from './instantiate.js';
import { deleteTunnelEntries } from './terminate.js';
import { runDay1, type PlannedPrimitive } from './vnf-primitives.js';

export const SCALE_STEPS = 6;

/** Everything scale needs, checked before the 202. */
export interface ScaleInput {
  installationId: string;
  ns: NsInstance;
  /** The address plan of every VNF profile of the NSD, and every tunnel it allows. */
  plan: IpPlan;
  tunnels: PlannedTunnel[];
  /** Day-1 primitives of the added sites, run once their SAs are verified. */
  day1?: PlannedPrimitive[];
  /** Sites to add → their domain. */
  add: ReadonlyMap<string, VimAccount>;
  /** Sites (VNF profile ids) to remove. */
  remove: readonly string[];
  /** Every registered domain by id (the sites that stay are placed in some of them). */
  accounts: ReadonlyMap<string, VimAccount>;
  connector: DomainConnector;
  saveNs: (ns: NsInstance) => Promise<void>;
}

type Hosts = NonNullable<NsInstance['qkdVpn']>['hosts'];

/** Run the SCALE steps; throws on failure (the runner undoes what the addition created). */
export async function scaleNs(ctx: OperationContext, input: ScaleInput): Promise<void> {
  let ns = input.ns;
  const removing = new Set(input.remove);
  const kept = ns.vnfInstance.filter((v) => !removing.has(v.vnfProfileId));
  const leaving = ns.vnfInstance.filter((v) => removing.has(v.vnfProfileId));
  // Where every site is once scaled.
  const placement = new Map<string, VimAccount>();
  for (const v of kept) {
    const account = input.accounts.get(v.vimId);
    if (!account) throw new QnfvError('SCALE', `site ${v.vnfProfileId} runs in domain ${v.vimId}, which is no longer registered`);
    placement.set(v.vnfProfileId, account);
  }
  for (const [vnf, account] of input.add) placement.set(vnf, account);
  const oldTunnels = ns.qkdVpn?.tunnels ?? [];
  const gone = oldTunnels.filter((t) => removing.has(t.master) || removing.has(t.peer));
  const fresh = input.tunnels.filter((t) => (input.add.has(t.master.vnfId) || input.add.has(t.peer.vnfId)) && placement.has(t.master.vnfId) && placement.has(t.peer.vnfId));

  // 1. Connect to every domain involved: those of the sites leaving, joining, and their tunnel peers.
  const involved = new Map<string, VimAccount>();
  for (const v of leaving) {
    const account = input.accounts.get(v.vimId);
    if (!account) throw new QnfvError('SCALE', `site ${v.vnfProfileId} runs in domain ${v.vimId}, which is no longer registered`);
    involved.set(v.vimId, account);
  }
  for (const t of gone) for (const end of [t.master, t.peer]) if (placement.has(end)) involved.set(placement.get(end)!.id, placement.get(end)!);
  for (const t of fresh) for (const end of [t.master.vnfId, t.peer.vnfId]) involved.set(placement.get(end)!.id, placement.get(end)!);
  const nameOf = (id: string): string => involved.get(id)?.name ?? id;
  await ctx.stage(1, `connecting to the VCAs of ${[...involved.values()].map((a) => a.name).join(', ')}`);
  const clients = new Map<string, DomainClient>();
  ctx.onUndo('close VCA sessions', async () => {
    for (const c of clients.values()) c.close();
  });
  for (const account of involved.values()) {
    const client = await input.connector.connect(account);
    clients.set(account.id, client);
    await client.call('vca.hello', {});
  }
  const clientOf = (vnfId: string): DomainClient => {
    const account = placement.get(vnfId) ?? involved.get(ns.vnfInstance.find((v) => v.vnfProfileId === vnfId)?.vimId ?? '');
    return clients.get(account!.id)!;
  };

  // 2. Removal: SAs at the sites that stay, then the sites themselves; saved at once.
  if (leaving.length === 0) {
    await ctx.stage(2, 'no site to remove');
  } else {
    await ctx.stage(2, `removing ${leaving.map((v) => `${v.vnfProfileId} from ${nameOf(v.vimId)}`).join(', ')}: SAs of ${gone.map((t) => t.id).join(', ') || 'no tunnel'} at the sites that stay, then routers, hosts and LANs`);
    const failures: string[] = [];
    for (const t of gone) {
      const staying = [t.master, t.peer].filter((end) => !removing.has(end));
      for (const f of await deleteTunnelEntries(ns.id, t, staying, clientOf)) failures.push(`${t.id} at ${f.vnfId}: ${f.error}`);
    }
    if (failures.length > 0) throw new QnfvError('SCALE', `could not remove the SAs of leaving tunnels (heal restores them): ${failures.join('; ')}`);
    for (const [domain, sites] of groupByDomain(leaving.map((v) => [v.vnfProfileId, v.vimId]))) {
      const r = await clients.get(domain)!.call('vca.undeploy', siteRemoval(input, nameOf(domain), sites), 120_000);
      ctx.log.info('sites removed', { domain: nameOf(domain), sites, removed: r.removed.length });
    }
    const now = new Date().toISOString();
    const leavingHosts = new Set(input.plan.hosts.filter((h) => removing.has(h.vnfId)).map((h) => h.id));
    ns = recorded(ns, kept, oldTunnels.filter((t) => !gone.includes(t)), (ns.qkdVpn?.hosts ?? []).filter((h) => !leavingHosts.has(h.id)), [
      ...leaving.map((v) => ({ time: now, event: 'site-removed', detail: `${v.vnfProfileId} from ${nameOf(v.vimId)}` })),
      ...gone.map((t) => ({ time: now, event: 'tunnel-removed', detail: t.id })),
    ]);
    await input.saveNs(ns);
  }

  if (input.add.size === 0) {
    await ctx.stage(SCALE_STEPS, 'no site to add');
    return;
  }

  // 3. Deploy the new sites; leftovers of an earlier interrupted attempt are cleared first.
  const adding = new Set(input.add.keys());
  const addPlan = restrictPlan(input.plan, adding);
  const byDomain = groupByDomain([...input.add].map(([vnf, a]) => [vnf, a.id]));
  await ctx.stage(3, `deploying ${[...input.add].map(([vnf, a]) => `${vnf} in ${a.name}`).join(', ')}`);
  for (const [domain, sites] of byDomain) {
    const removal = siteRemoval(input, nameOf(domain), sites);
    await clients.get(domain)!.call('vca.undeploy', removal, 120_000);
    ctx.onUndo(`remove ${sites.join(', ')} from ${nameOf(domain)}`, async () => {
      await clients.get(domain)!.call('vca.undeploy', removal, 120_000);
    });
  }
  const intents = buildIntents(input.installationId, ns.id, addPlan, input.add, nameOf);
  const deployed = await deploySites(ns.id, addPlan, intents, clients);

  // 4. Keys of the new tunnels.
  const keyIds = await keyTunnels(ctx, 4, ns.id, fresh, placement, clientOf);

  // 5. Their SAs, with SPIs that no SA of the routers that stay uses.
  const spis = new SpiAllocator();
  for (const t of ns.qkdVpn?.tunnels ?? []) {
    spis.reserve(t.peer, t.spiOut);
    spis.reserve(t.master, t.spiIn);
  }
  const sas = await installTunnels(ctx, 5, ns.id, fresh, spis, clientOf);

  // 6. Every router with a new tunnel reports its SAs; record the result.
  const touched = [...new Set(fresh.flatMap((t) => [t.master.vnfId, t.peer.vnfId]))];
  await ctx.stage(6, `verifying SAs on ${touched.join(', ') || [...adding].join(', ')}`);
  await verifySas(ns.id, touched, sas, clientOf);
  const day1Events = await runDay1(ctx, 6, ns.id, input.day1 ?? [], deployed.vnfInstances, clientOf);
  const now = new Date().toISOString();
  const records = fresh.map((t, i) => tunnelRecord(t, keyIds.get(t.id)!, sas[i]!, now));
  for (const c of clients.values()) c.close();
  clients.clear();
  await input.saveNs(
    recorded(ns, [...ns.vnfInstance, ...deployed.vnfInstances], [...(ns.qkdVpn?.tunnels ?? []), ...records], [...(ns.qkdVpn?.hosts ?? []), ...deployed.hosts], [
      ...[...input.add].map(([vnf, a]) => ({ time: now, event: 'site-added', detail: `${vnf} in ${a.name}` })),
      ...records.map(establishedEvent(now)),
      ...day1Events,
    ]),
  );
}

/** The NS record with these sites, tunnels and hosts (its domains follow from the sites). */
function recorded(ns: NsInstance, vnfInstance: NsInstance['vnfInstance'], tunnels: TunnelRecord[], hosts: Hosts, events: { time: string; event: string; detail: string }[]): NsInstance {
  return {
    ...ns,
    vnfInstance,
    qkdVpn: {
      ...(ns.qkdVpn ?? { history: [] }),
      domains: [...new Set(vnfInstance.map((v) => v.vimId))],
      tunnels,
      hosts,
      history: [...(ns.qkdVpn?.history ?? []), ...events],
    },
  };
}

/** What a domain removes for some of its sites: routers, their site hosts, their networks (the VIM keeps a network still in use). */
function siteRemoval(input: ScaleInput, domainName: string, sites: string[]): { installationId: string; instanceId: string; domain: string; routers: string[]; hosts: string[]; networks: string[] } {
  const routers = input.plan.routers.filter((r) => sites.includes(r.vnfId));
  return {
    installationId: input.installationId,
    instanceId: input.ns.id,
    domain: domainName,
    routers: sites,
    hosts: input.plan.hosts.filter((h) => sites.includes(h.vnfId)).map((h) => h.id),
    networks: [...new Set(routers.flatMap((r) => r.ports.map((p) => p.network)))],
  };
}

function groupByDomain(pairs: [string, string][]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [vnf, domain] of pairs) out.set(domain, [...(out.get(domain) ?? []), vnf]);
  return out;
}
