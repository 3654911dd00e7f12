/**
 * INSTANTIATE (ARCHITECTURE §3): place each VNF in its domain, deploy every
 * domain's routers/networks through its VCA, synchronise key ids in the
 * source paper's order (master domain obtains keys and returns ids only; the
 * peer domain fetches the same keys by those ids), compute the SAs with the
 * CCIPS controller and install them inbound-first, then verify.
 * Every step registers its undo; the NFVO never holds key bytes.
 */
import type { DeployResult, DomainIntent, KeyIds } from '../../vca/index.js';
import { applyEdits, computeTunnelSas, hybridUri, releaseTunnelKey, SpiAllocator, synchroniseTunnelKey, type TunnelSas } from '../ccips/index.js';
import { ProtocolError } from '../../common/index.js';
import type { NsInstance, TunnelRecord, VimAccount, VnfInstance } from '../model.js';
import type { OperationContext } from './operation-runner.js';
import type { DomainClient, DomainConnector } from './domain-client.js';
import type { IpPlan, PlannedRouter } from './ip-plan.js';
import type { LinkSecurity } from './resolved-ns.js';

export const INSTANTIATE_STEPS = 6;

/** Everything instantiate needs, resolved and validated before the 202. */
export interface InstantiateInput {
  installationId: string;
  ns: NsInstance;
  plan: IpPlan;
  /** VNF profile id → account. */
  placement: Map<string, VimAccount>;
  security: LinkSecurity[];
  connector: DomainConnector;
  /** Persist the NS instance record as it evolves. */
  saveNs: (ns: NsInstance) => Promise<void>;
}

/** A tunnel to build: a pair of routers on a protected link. */
interface PlannedTunnel {
  id: string;
  profile: LinkSecurity;
  master: PlannedRouter;
  peer: PlannedRouter;
}

/** Run the INSTANTIATE steps; throws on failure (the runner rolls back). */
export async function instantiateNs(ctx: OperationContext, input: InstantiateInput): Promise<void> {
  const { plan, placement, ns } = input;
  const domains = [...new Set([...placement.values()].map((a) => a.id))];
  const accountById = new Map([...placement.values()].map((a) => [a.id, a]));
  const nameOf = (id: string) => accountById.get(id)!.name;
  const names = domains.map(nameOf).join(', ');

  // 1. Intents per domain, tunnels per protected link.
  await ctx.stage(1, `placing ${plan.routers.length} routers in ${domains.length} domains (${names})`);
  const intents = buildIntents(input, domains, nameOf);
  const tunnels = planTunnels(plan, input.security);

  // 2. Connect to every domain's VCA.
  await ctx.stage(2, `connecting to the VCAs of ${names}`);
  const clients = new Map<string, DomainClient>();
  ctx.onUndo('close VCA sessions', async () => {
    for (const c of clients.values()) c.close();
  });
  for (const d of domains) {
    const client = await input.connector.connect(accountById.get(d)!);
    clients.set(d, client);
    await client.call('vca.hello', {});
  }
  const domainOf = (vnfId: string): DomainClient => clients.get(placement.get(vnfId)!.id)!;

  // 3. Deploy networks, routers and hosts in every domain at once (each VCA waits for its routers to boot).
  const vnfInstances: VnfInstance[] = [];
  const hosts: NonNullable<NsInstance['qkdVpn']>['hosts'] = [];
  await ctx.stage(3, `deploying routers, networks and site hosts in ${names}`);
  for (const d of domains) {
    ctx.onUndo(`tear down ${nameOf(d)}`, async () => {
      await clients.get(d)!.call('vca.teardown', { installationId: input.installationId, instanceId: ns.id });
    });
  }
  // Wait for every domain before judging: a failure must not start the undo while another deploy still runs.
  const deployed = await Promise.allSettled(domains.map((d) => clients.get(d)!.call('vca.deploy', intents.get(d)!, 180_000)));
  // The VCA client's errors already name their domain ("VCA of <domain>: ...").
  const failed = deployed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  for (const [i, d] of domains.entries()) {
    const result = (deployed[i] as PromiseFulfilledResult<DeployResult>).value;
    for (const r of result.routers) {
      const planned = plan.routers.find((p) => p.vnfId === r.vnfId)!;
      vnfInstances.push({
        id: `${ns.id}-${r.vnfId}`,
        vnfdId: planned.vnfdId,
        vnfProfileId: r.vnfId,
        vimId: d,
        instantiationState: 'INSTANTIATED',
        metadata: { namespace: r.namespace, mgmtAddress: r.mgmtAddress, netconfPort: r.netconfPort, netconfHostKeyFingerprint: r.hostKeyFingerprint, tunnelAddress: planned.tunnelAddress, lanSubnets: planned.lanSubnets },
      });
    }
    for (const h of result.hosts) hosts.push({ id: h.id, domain: d, namespace: h.namespace, address: h.address });
  }

  // 4. Key-id synchronisation, tunnel by tunnel (source paper's order).
  const keyIds = new Map<string, KeyIds>();
  for (const t of tunnels) {
    await ctx.stage(4, `key-id synchronisation for tunnel ${t.id}: ${t.master.vnfId} obtains keys, ${t.peer.vnfId} fetches them by id`);
    const master = domainOf(t.master.vnfId);
    const peer = domainOf(t.peer.vnfId);
    const masterUri = hybridUri(t.id, placement.get(t.master.vnfId)!.hybridNodeUuid, t.profile);
    const peerUri = hybridUri(t.id, placement.get(t.peer.vnfId)!.hybridNodeUuid, t.profile);
    ctx.onUndo(`release keys of ${t.id}`, async () => {
      await Promise.allSettled([...new Set([master, peer])].map((c) => c.call('vca.releaseKey', { instanceId: ns.id, tunnelId: t.id })));
    });
    const ids = await synchroniseTunnelKey(ns.id, t.id, { vnfId: t.master.vnfId, client: master, uri: masterUri }, { vnfId: t.peer.vnfId, client: peer, uri: peerUri });
    ctx.log.info('key ids synchronised', { tunnel: t.id, keyStreamId: ids.keyStreamId, qkdKeyIds: ids.qkdKeyIds, combiner: ids.combiner });
    keyIds.set(t.id, ids);
  }

  // 5. SAs and policies: inbound at both ends first, then outbound.
  const spis = new SpiAllocator();
  const sas: TunnelSas[] = tunnels.map((t, i) =>
    computeTunnelSas(
      t.id,
      { vnfId: t.master.vnfId, tunnelAddress: t.master.tunnelAddress, lanSubnet: t.master.lanSubnets[0]! },
      { vnfId: t.peer.vnfId, tunnelAddress: t.peer.tunnelAddress, lanSubnet: t.peer.lanSubnets[0]! },
      { encryption: t.profile.encryption, esn: t.profile.esn, replayWindow: t.profile.replayWindow, lifetimeSoft: lifetime(t.profile.lifetimeSoft), lifetimeHard: lifetime(t.profile.lifetimeHard) },
      spis,
      BigInt(2 * i + 1),
    ),
  );
  for (const phase of ['inbound', 'outbound'] as const) {
    await ctx.stage(5, `installing ${phase} SAs and policies over NETCONF`);
    for (const s of sas) await applyEdits(ns.id, s[phase], domainOf);
  }

  // The SAs hold the keys now: the Proxy Agents zero their copies.
  for (const t of tunnels) await releaseTunnelKey(ns.id, t.id, [domainOf(t.master.vnfId), domainOf(t.peer.vnfId)]);

  // 6. Verify every router reports its SAs, then record the result.
  await ctx.stage(6, 'verifying SAs on every router');
  for (const r of plan.routers) {
    const state = await domainOf(r.vnfId).call('vca.routerState', { instanceId: ns.id, vnfId: r.vnfId });
    const expected = sas.flatMap((s) => s.names[r.vnfId]?.sad ?? []);
    const missing = [...new Set(expected)].filter((n) => !state.sas.some((sa) => sa.name === n));
    if (missing.length > 0) throw new ProtocolError(`router ${r.vnfId} does not report SAs ${missing.join(', ')}`);
  }
  const now = new Date().toISOString();
  const tunnelRecords: TunnelRecord[] = tunnels.map((t, i) => ({
    id: t.id,
    securityProfileId: t.profile.id,
    master: t.master.vnfId,
    peer: t.peer.vnfId,
    combiner: t.profile.combiner,
    keySources: t.profile.keySources,
    singleSourcePolicy: t.profile.singleSourcePolicy,
    encryption: t.profile.encryption,
    keyIds: keyIds.get(t.id)!,
    spiOut: sas[i]!.spiOut,
    spiIn: sas[i]!.spiIn,
    reqidBase: String(2 * i + 1),
    generation: 1,
    establishedAt: now,
  }));
  for (const c of clients.values()) c.close();
  clients.clear();
  await input.saveNs({
    ...ns,
    nsState: 'INSTANTIATED',
    vnfInstance: vnfInstances,
    qkdVpn: {
      domains,
      tunnels: tunnelRecords,
      hosts,
      history: [...(ns.qkdVpn?.history ?? []), ...tunnelRecords.map((t) => ({ time: now, event: 'tunnel-established', detail: `${t.id}: SPIs ${hex(t.spiOut)}/${hex(t.spiIn)}, key stream ${t.keyIds.keyStreamId}` }))],
    },
  });
}

function buildIntents(input: InstantiateInput, domains: string[], nameOf: (id: string) => string): Map<string, DomainIntent> {
  const { plan, placement, ns } = input;
  const intents = new Map<string, DomainIntent>();
  for (const d of domains) {
    const routers = plan.routers.filter((r) => placement.get(r.vnfId)!.id === d);
    const links = new Set(routers.flatMap((r) => r.ports.map((p) => p.network)));
    intents.set(d, {
      installationId: input.installationId,
      instanceId: ns.id,
      domain: nameOf(d),
      networks: plan.networks.filter((n) => links.has(n.id)),
      routers: routers.map((r) => ({ vnfId: r.vnfId, vnfdId: r.vnfdId, ports: r.ports, tunnelAddress: r.tunnelAddress, routes: r.routes })),
      hosts: plan.hosts.filter((h) => routers.some((r) => r.vnfId === h.vnfId)).map(({ id, network, address, gateway }) => ({ id, network, address, gateway })),
    });
  }
  return intents;
}

export function planTunnels(plan: IpPlan, security: LinkSecurity[]): PlannedTunnel[] {
  const tunnels: PlannedTunnel[] = [];
  for (const profile of security) {
    const ends = plan.routers.filter((r) => r.ports.some((p) => p.network === profile.virtualLinkDesc));
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        tunnels.push({ id: `${ends[i]!.vnfId}--${ends[j]!.vnfId}`, profile, master: ends[i]!, peer: ends[j]! });
      }
    }
  }
  return tunnels;
}

function lifetime(l: LinkSecurity['lifetimeSoft']): { time?: number; bytes?: bigint; packets?: number } {
  return { time: l.time, packets: l.packets, bytes: l.bytes !== undefined ? BigInt(l.bytes) : undefined };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
